/* The incident layers of the dashboard's map, drawn from one compact columnar payload.
 *
 * The payload (built by dashboard/core/payload.py) is a little-endian binary: a uint32 header
 * length, a JSON header (dictionaries, the arrays' layout, the detail blocks' file names), then
 * typed arrays: latitude and longitude as int32 (1e-5 degree), and dictionary codes for the date
 * (its text as the server wrote it in each interface language: "2024-01-02" or "2 січня 2024",
 * "September 2024" when only the month is known),
 * status, weapon, outcome and precision, and (when the frame has them) whether the debris was
 * examined and how many sources the incident has. Details (place, casualties, source) come in
 * blocks of rows, fetched when a popup opens. Every data string is put in the page with
 * textContent only. Every word shown comes from the page: the markers' ``options.labels``
 * (dashboard/core/maps.py ``map_labels``, in the page's language); this script writes none.
 *
 * A click on an incident marker fires ``click`` on its layer (st_folium listens there) with a
 * tooltip built from numbers only: "<row>@<payload file name>", never a data string.
 */
(function () {
    'use strict';

    var TYPES = {int32: Int32Array, uint16: Uint16Array, uint8: Uint8Array};
    var loaded = {};

    function decode(buffer) {
        var headerLength = new DataView(buffer).getUint32(0, true);
        var header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, headerLength)));
        var offset = 4 + headerLength, columns = {};
        header.arrays.forEach(function (spec) {
            var Type = TYPES[spec[1]];
            columns[spec[0]] = new Type(buffer, offset, header.n);
            offset += header.n * Type.BYTES_PER_ELEMENT;
            offset += (4 - offset % 4) % 4;
        });
        return {header: header, columns: columns};
    }

    function fromBase64(text) {
        var raw = atob(text), bytes = new Uint8Array(raw.length);
        for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
        return bytes.buffer;
    }

    /* The incidents of one payload: coordinates, summaries, details on demand, the cluster index. */
    function Incidents(source, decoded) {
        var h = decoded.header, c = decoded.columns;
        this.source = source;
        this.header = h;
        this.n = h.n;
        this.lat = c.lat;
        this.lon = c.lon;
        this.dateCode = c.date;
        this.status = c.status;
        this.weapon = c.weapon;
        this.outcome = c.outcome;
        this.precision = c.precision;
        this.examined = c.examined || null;
        this.sources = c.sources || null;
        this.scale = h.scale;
        this.blocks = {};
        this.index = null;
    }

    Incidents.prototype.latLng = function (i) {
        return L.latLng(this.lat[i] / this.scale, this.lon[i] / this.scale);
    };
    /* The date as the server wrote it in the page's language ``lang`` (never reformatted here:
     * a month stays a month). */
    Incidents.prototype.date = function (i, lang) {
        var dates = this.header.dates[lang] || this.header.dates.en;
        return this.dateCode[i] ? dates[this.dateCode[i] - 1] : '';
    };
    Incidents.prototype.outcomeOf = function (i) {
        return this.outcome[i] ? this.header.outcomes[this.outcome[i] - 1] : '';
    };
    Incidents.prototype.statusOf = function (i) {
        return this.status[i] ? this.header.statuses[this.status[i] - 1] : '';
    };
    Incidents.prototype.weaponOf = function (i) {
        return this.weapon[i] ? this.header.weapons[this.weapon[i] - 1] : '';
    };
    /* The tooltip: date, weapon, status, and the outcome unless the missile struck; words from
     * the page's ``labels``. */
    Incidents.prototype.summary = function (i, labels) {
        var outcome = this.outcomeOf(i), status = this.statusOf(i);
        return this.date(i, labels.lang) + ' · ' + this.weaponOf(i) + ' · ' +
            (labels.statuses[status] || status) +
            (outcome && outcome !== 'impact' ? ' · ' + (labels.outcomes[outcome] || outcome) : '');
    };
    /* A promise of incident i's detail row (fields as header.detail_fields names them). */
    Incidents.prototype.detail = function (i) {
        var self = this, k = Math.floor(i / this.header.block);
        if (!this.blocks[k]) {
            if (this.source.details) {
                this.blocks[k] = Promise.resolve(this.source.details[k]);
            } else {
                var url = new URL(this.header.details[k], new URL(this.source.url, location.href));
                this.blocks[k] = fetch(url).then(function (r) {
                    if (!r.ok) { throw new Error('detail block ' + k + ': HTTP ' + r.status); }
                    return r.json();
                });
            }
        }
        return this.blocks[k].then(function (rows) {
            var row = rows[i - k * self.header.block], out = {};
            self.header.detail_fields.forEach(function (name, j) { out[name] = row[j]; });
            return out;
        });
    };
    Incidents.prototype.clusters = function () {
        if (!this.index) {
            var points = new Array(this.n);
            for (var i = 0; i < this.n; i++) {
                points[i] = {
                    id: i, properties: null,
                    geometry: {coordinates: [this.lon[i] / this.scale, this.lat[i] / this.scale]}
                };
            }
            this.index = new Supercluster({radius: 60, maxZoom: 17}).load(points);
        }
        return this.index;
    };

    /* Bins the server computed for the view (too many incidents to send): [lat, lon, count]. */
    function Bins(bins) {
        this.bins = bins;
        this.n = bins.reduce(function (sum, b) { return sum + b[2]; }, 0);
    }

    function sourceKey(source) { return source.url || source.inline || null; }

    function load(source) {
        if (source.bins) { return Promise.resolve(new Bins(source.bins)); }
        var key = sourceKey(source);
        if (!loaded[key]) {
            var bytes = source.url
                ? fetch(source.url).then(function (r) {
                    if (!r.ok) { throw new Error('incident payload: HTTP ' + r.status); }
                    return r.arrayBuffer();
                })
                : Promise.resolve(fromBase64(source.inline));
            loaded[key] = bytes.then(function (buffer) {
                return new Incidents(source, decode(buffer));
            });
        }
        return loaded[key];
    }

    /* Maps narrower than this many pixels (a phone) fold the layer control and the legend away. */
    var NARROW = 520;
    /* Pixels kept between a popup or tooltip and the map's edge or a control. */
    var GAP = 8;
    /* Pixels a popup's frame (its margins and border) adds to the width of its text. */
    var POPUP_FRAME = 50;
    /* Markers closer than this many pixels at the deepest zoom are spread apart; spread, they
     * stand this many pixels apart, at least this far from the place they share. */
    var SPREAD_NEAR = 6, SPREAD_STEP = 26, SPREAD_MIN = 22;
    /* A popup left open on a layer st_folium replaced (a selection re-sends the layers): the
     * layer that replaces it opens it again. */
    var reopen = null;

    function text(tag, value, cls) {
        var el = document.createElement(tag);
        el.textContent = value;
        if (cls) { el.className = cls; }
        return el;
    }

    function line(box, label, value) {
        if (value === null || value === undefined || value === '') { return; }
        var p = document.createElement('div');
        p.appendChild(text('b', label + ': '));
        p.appendChild(document.createTextNode(String(value)));
        box.appendChild(p);
    }

    /* A count put into the page's words for it ("{n} killed"). */
    function counted(words, n) { return words.replace('{n}', String(n)); }

    /* Casualties as reported: an unknown count is "not reported", never 0. */
    function casualties(d, w) {
        if (d.killed === null && d.injured === null) { return w.notReported; }
        return (d.killed === null ? w.killedNotReported : counted(w.killed, d.killed)) + ', ' +
               (d.injured === null ? w.injuredNotReported : counted(w.injured, d.injured));
    }

    /* How many sources incident i has (the payload caps the count at 255), or null if unknown. */
    function sourceCount(data, i, w) {
        if (!data.sources) { return null; }
        return data.sources[i] === 255 ? w.manySources : String(data.sources[i]);
    }

    function examined(data, i) { return Boolean(data.examined && data.examined[i]); }

    /* Fill a popup box with incident i's facts, the summary first, the details once loaded; ``w``
     * is the page's words (labels, the statuses', outcomes' and precisions' names). */
    function fillPopup(box, data, i, w, d) {
        while (box.firstChild) { box.removeChild(box.firstChild); }
        var place = d ? d.location + (d.district ? ' (' + d.district + ')' : '') : '…';
        box.appendChild(text('h4', data.date(i, w.lang) + ' · ' + place));
        line(box, w.weapon, data.weaponOf(i));
        var outcome = data.outcomeOf(i);  // a strike is what a marker says by itself
        if (outcome && outcome !== 'impact') { line(box, w.outcome, w.outcomeWords[outcome]); }
        var status = data.statusOf(i);
        line(box, w.attribution, w.statusWords[status] || status);
        line(box, w.sources, sourceCount(data, i, w));
        if (examined(data, i)) { line(box, w.debris, w.examined); }
        if (!d) { return; }
        line(box, w.attributedBy, d.attributed_by);
        line(box, w.casualties, casualties(d, w));
        line(box, w.precision, w.precisions[data.precision[i]]);
        line(box, w.incident, d.incident_id);
        if (d.source_url || d.source_title) {
            var p = document.createElement('div');
            p.appendChild(text('b', w.source + ': '));
            if (d.source_url && /^https?:\/\//i.test(d.source_url)) {
                var a = text('a', d.source_title || d.source_url);
                a.href = d.source_url;
                a.target = '_blank';
                a.rel = 'noopener noreferrer';
                p.appendChild(a);
            } else {
                p.appendChild(document.createTextNode(d.source_title || ''));
            }
            box.appendChild(p);
        }
    }

    /* The page rectangles of the map's controls (zoom, full screen, layers, legend, scale). */
    function controlRects(map) {
        var found = map.getContainer().querySelectorAll('.leaflet-control');
        return Array.prototype.map.call(found, function (el) {
            return el.getBoundingClientRect();
        }).filter(function (r) { return r.width > 0 && r.height > 0; });
    }

    /* Pan the map so that an open popup lies inside it and clear of the controls above or below
     * it, its title first when it cannot all fit (Leaflet's own autoPan knows only the edges). */
    function keepInside(map, popup) {
        var el = popup.getElement();
        if (!el || !popup.isOpen()) { return; }
        var r = el.getBoundingClientRect(), m = map.getContainer().getBoundingClientRect();
        var top = m.top + GAP, bottom = m.bottom - GAP;
        controlRects(map).forEach(function (c) {
            if (c.right <= r.left || r.right <= c.left) { return; }  // beside the popup
            if (c.top - m.top < m.height / 2) {
                top = Math.max(top, c.bottom + GAP);
            } else {
                bottom = Math.min(bottom, c.top - GAP);
            }
        });
        var dx = 0, dy = 0;
        if (r.top < top) { dy = top - r.top; } else if (r.bottom > bottom) {
            dy = Math.max(bottom - r.bottom, top - r.top);
        }
        if (r.left < m.left + GAP) {
            dx = m.left + GAP - r.left;
        } else if (r.right > m.right - GAP) {
            dx = Math.max(m.right - GAP - r.right, m.left + GAP - r.left);
        }
        if (dx || dy) { map.panBy([-dx, -dy], {animate: false}); }
        yieldLegend(map, popup);
    }

    /* Keep an open popup inside the map now and after every move the analyst did not make by
     * dragging (the page moving the map to a selection, a zoom): the map may move after the
     * popup opened, a popup reopened on a replaced layer first of all. */
    function followView(map, popup) {
        var dragged = false, panning = false;
        function dragging() { dragged = true; }
        function moved() {
            if (!dragged && !panning) {  // not the move keepInside makes itself
                panning = true;
                keepInside(map, popup);
                panning = false;
            }
            dragged = false;
        }
        keepInside(map, popup);
        map.on('dragstart', dragging).on('moveend', moved);
        popup.once('remove', function () {
            map.off('dragstart', dragging).off('moveend', moved);
        });
    }

    /* Hide the legend while an open popup would lie under it (a tall popup on a short map
     * cannot clear both the layer control and the legend); it returns when the popup closes. */
    function yieldLegend(map, popup) {
        var legend = map.getContainer().querySelector('.incident-legend');
        if (!legend || L.DomUtil.hasClass(legend, 'yielded')) { return; }
        var r = popup.getElement().getBoundingClientRect(), c = legend.getBoundingClientRect();
        if (c.right <= r.left || r.right <= c.left || c.bottom <= r.top || r.bottom <= c.top) {
            return;
        }
        L.DomUtil.addClass(legend, 'yielded');
        popup.once('remove', function () { L.DomUtil.removeClass(legend, 'yielded'); });
    }

    /* Point an open tooltip where it fits inside the map: beside the marker, towards the map's
     * middle, else above or below it, shifted sideways as far as the edge needs. */
    function placeTooltip(map, tooltip, latlng) {
        var el = tooltip.getElement();
        if (!el) { return; }
        var size = map.getSize(), p = map.latLngToContainerPoint(latlng);
        var w = el.offsetWidth, h = el.offsetHeight, reach = 10;
        var level = p.y - h / 2 >= GAP && p.y + h / 2 <= size.y - GAP;
        var fits = {
            right: level && p.x + reach + w <= size.x - GAP,
            left: level && p.x - reach - w >= GAP,
            top: p.y - reach - h >= GAP,
            bottom: p.y + reach + h <= size.y - GAP
        };
        var order = (p.x < size.x / 2 ? ['right', 'left'] : ['left', 'right'])
            .concat(p.y < size.y / 2 ? ['bottom', 'top'] : ['top', 'bottom']);
        var direction = order.filter(function (d) { return fits[d]; })[0] || order[2];
        var shift = 0;
        if (direction === 'top' || direction === 'bottom') {
            shift = Math.max(GAP + w / 2 - p.x, 0) - Math.max(p.x + w / 2 - (size.x - GAP), 0);
        }
        var offset = L.point(tooltip.options.offset || [0, 0]);
        if (direction !== tooltip.options.direction || shift !== offset.x) {
            tooltip.options.direction = direction;
            tooltip.options.offset = [shift, 0];
            tooltip.update();
        }
    }

    /* How a marker tells the outcome (the legend says it): a struck missile is a filled disc; debris
     * of a downed one a pale disc in a thick ring of its status colour; one shot down with no
     * damage reported an empty ring. */
    function outcomeStyle(outcome, colour) {
        if (outcome === 'shot down') {
            return {fillColor: '#ffffff', fillOpacity: 0.95, color: colour, weight: 3};
        }
        if (outcome === 'debris') { return {fillOpacity: 0.35, color: colour, weight: 3}; }
        return {};
    }

    /* One incident as a circle marker: tooltip from the payload, popup details fetched on open;
     * a click on it (counted or context) is reported by its ``layer``. */
    function marker(layer, data, i, o, w, muted, at) {
        var map = layer._map, precise = data.precision[i] <= 1;
        var colour = o.colours[data.statusOf(i)] || '#878787';
        var m = L.circleMarker(at || data.latLng(i), L.extend({
            radius: muted ? 6 : 8, color: muted ? '#8c8c8c' : '#1b1b1b', weight: 1,
            fillColor: muted ? '#d9d9d9' : colour,
            fillOpacity: muted ? 0.6 : 0.9,
            dashArray: precise ? null : '3 2', incidentIndex: i
        }, muted ? {pane: contextPane(map, 'point')} : outcomeStyle(data.outcomeOf(i), colour)));
        m.bindTooltip(function () {
            var summary = (muted ? w.context + ' · ' : '') + data.summary(i, w);
            return text('span', summary, 'incident-tooltip');
        }, {className: 'incident-tip'});
        m.on('tooltipopen', function (e) { placeTooltip(map, e.tooltip, m.getLatLng()); });
        m.bindPopup(function () {
            var box = document.createElement('div');
            box.className = 'incident-popup';
            fillPopup(box, data, i, w, null);
            m.detailShown = data.detail(i).then(function (d) {
                fillPopup(box, data, i, w, d);
                // The box itself becomes the content: update() would call this function again.
                if (m.getPopup()) {
                    m.getPopup().setContent(box);
                    keepInside(map, m.getPopup());
                }
                return d;
            });
            return box;
        }, {
            // The text's width: the popup's frame adds about POPUP_FRAME pixels round it.
            maxWidth: Math.max(160, Math.min(360, map.getSize().x - 2 * GAP - POPUP_FRAME)),
            // At most half the map high (a longer text scrolls inside it): panned clear of the
            // controls, a popup then still leaves room below it for the marker it points at.
            maxHeight: Math.max(120, Math.round(map.getSize().y / 2)),
            autoPan: false
        });
        m.on('popupopen', function (e) { followView(map, e.popup); });
        m.on('click', function (e) { layer._pick(i, e); });
        return m;
    }

    /* The mark of an incident whose debris was examined: a small diamond at the marker's upper
     * right (explained in the legend). */
    function examinedMark(data, i, at) {
        return L.marker(at || data.latLng(i), {
            icon: L.divIcon({className: 'incident-examined', iconSize: [10, 10],
                             iconAnchor: [-3, 14], html: document.createElement('span')}),
            interactive: false, keyboard: false, examinedIndex: i
        });
    }

    /* Markers that still overlap at the map's deepest zoom (one place, or a few metres apart)
     * spread on a circle round their place, each on a leg to it, as Leaflet.markercluster
     * spiderfies: every one can be reached. Row -> where to draw it, for the spread rows only. */
    function spread(map, data, rows) {
        var groups = {}, at = {};
        rows.forEach(function (i) {
            var p = map.project(data.latLng(i));
            var key = Math.round(p.x / SPREAD_NEAR) + ':' + Math.round(p.y / SPREAD_NEAR);
            (groups[key] = groups[key] || []).push(i);
        });
        Object.keys(groups).forEach(function (key) {
            var group = groups[key].sort(function (a, b) { return a - b; });
            if (group.length < 2) { return; }
            var centre = map.project(data.latLng(group[0]));
            // Neighbours SPREAD_STEP pixels apart round the circle, never closer to the middle
            // than SPREAD_MIN.
            var radius = Math.max(SPREAD_MIN, SPREAD_STEP * group.length / (2 * Math.PI));
            group.forEach(function (i, k) {
                var angle = 2 * Math.PI * k / group.length - Math.PI / 2;
                var offset = L.point(radius * Math.cos(angle), radius * Math.sin(angle));
                at[i] = map.unproject(centre.add(offset));
            });
        });
        return at;
    }

    /* The leg from a spread marker to the place it stands for. */
    function leg(from, to) {
        return L.polyline([from, to], {
            color: '#1b1b1b', weight: 1.5, opacity: 0.7, interactive: false, spreadLeg: true
        });
    }

    /* The ring round the selected incident: yellow on a dark halo, readable on any tile. */
    function selectionRing(latlng) {
        var ring = {radius: 15, fill: false, interactive: false, selectedRing: true};
        return [
            L.circleMarker(latlng, L.extend({color: '#1b1b1b', weight: 7, opacity: 0.8}, ring)),
            L.circleMarker(latlng, L.extend({color: '#ffd400', weight: 3, opacity: 1}, ring))
        ];
    }

    function heatPoints(data) {
        if (data.bins) {
            var top = Math.max.apply(null, data.bins.map(function (b) { return b[2]; }));
            return data.bins.map(function (b) { return [b[0], b[1], b[2] / top]; });
        }
        var points = new Array(data.n);
        for (var i = 0; i < data.n; i++) { points[i] = data.latLng(i); }
        return points;
    }

    /* The panes context markers and clusters are drawn in: under the counted incidents' own
     * (Leaflet's overlay pane is at z-index 400, its marker pane at 600), so that context
     * never covers a counted incident. */
    function contextPane(map, kind) {
        var name = kind === 'cluster' ? 'contextClusters' : 'contextPoints';
        if (!map.getPane(name)) {
            map.createPane(name).style.zIndex = kind === 'cluster' ? 590 : 390;
        }
        return name;
    }

    /* The pane the uncertainty circles are drawn in: over the context markers, under the
     * counted ones, and deaf to the pointer. Their canvas spans the whole map, and a canvas
     * takes every click on it, on a shape of its own or not: drawn over the markers' canvas
     * (a layer that replaces another draws its canvas last), it kept their clicks from them. */
    function circlesPane(map) {
        if (!map.getPane('incidentCircles')) {
            var pane = map.createPane('incidentCircles');
            pane.style.zIndex = 395;
            pane.style.pointerEvents = 'none';
        }
        return 'incidentCircles';
    }

    function clusterIcon(count, muted) {
        var size = count < 100 ? 30 : count < 1000 ? 36 : count < 10000 ? 42 : 48;
        var label = document.createElement('span');
        label.textContent = count >= 10000 ? Math.round(count / 1000) + 'k' : String(count);
        var cls = muted ? 'incident-cluster context-cluster' : 'incident-cluster';
        return L.divIcon({html: label, className: cls, iconSize: [size, size]});
    }

    /* The payload's file name, when the layer's source is a served file: it and a row number
     * are all a click reports (the server maps them back to the incident). */
    function payloadName(source) {
        var match = /\/([0-9a-f]{32}\.bin)$/.exec(source.url || '');
        return match ? match[1] : null;
    }

    /* Metres per screen pixel at the map's centre and zoom (Web Mercator). */
    function metresPerPixel(map) {
        var lat = map.getCenter().lat * Math.PI / 180;
        return 40075016.686 * Math.cos(lat) / Math.pow(2, map.getZoom() + 8);
    }

    /* One of the payload's layers: kind "markers" (clusters and points), "circles" (location
     * uncertainty) or "heat". It draws what is in view, again after every move, keeping what
     * stays (an open popup stays open). ``options.selected`` is the selected incident's row. */
    L.IncidentLayer = L.Layer.extend({
        initialize: function (source, options) {
            L.setOptions(this, options);
            this._source = source;
            this._keyed = {};
            this._drawn = [];
            this.ready = load(source);
        },
        onAdd: function (map) {
            var self = this;
            L.IncidentLayer.instances.push(this);
            if (this.options.kind === 'heat') {
                L.DomUtil.addClass(map.getContainer(), 'incident-heat-on');
            }
            this.ready.then(function (data) {
                if (self._map !== map) { return; }
                self._data = data;
                if (self.options.kind === 'heat') {
                    self._heat = L.heatLayer(heatPoints(data), self.options.heat).addTo(map);
                }
                map.on('moveend', self.redraw, self);
                self.redraw();
                self._reopen();
            });
        },
        onRemove: function (map) {
            map.off('moveend', this.redraw, this);
            var open = this.options.muted ? -1 : this._openPopup();
            if (open >= 0) { reopen = {key: sourceKey(this._source), index: open}; }
            this._clear();
            if (this._heat) { map.removeLayer(this._heat); this._heat = null; }
            if (this._renderer) { map.removeLayer(this._renderer); }  // its canvas with it
            var list = L.IncidentLayer.instances, key = sourceKey(this._source);
            list.splice(list.indexOf(this), 1);
            if (!list.some(function (l) { return l._map === map && l.options.kind === 'heat'; })) {
                L.DomUtil.removeClass(map.getContainer(), 'incident-heat-on');
            }
            // A payload no layer uses any more is dropped (a filter change replaces it), once
            // st_folium has added the layers that replace these: they may draw the same one.
            setTimeout(function () {
                if (!list.some(function (l) { return sourceKey(l._source) === key; })) {
                    delete loaded[key];
                }
            }, 0);
        },
        /* Show exactly the ``wanted`` layers, by key: what is already drawn stays, what is no
         * longer wanted goes, the rest is made (each value makes the layers of its key). */
        _show: function (wanted) {
            var map = this._map, keyed = this._keyed, next = {};
            Object.keys(keyed).forEach(function (key) {
                if (wanted[key]) {
                    next[key] = keyed[key];
                } else {
                    keyed[key].forEach(function (l) { if (map) { map.removeLayer(l); } });
                }
            });
            Object.keys(wanted).forEach(function (key) {
                if (!next[key]) {
                    next[key] = wanted[key]();
                    next[key].forEach(function (l) { l.addTo(map); });
                }
            });
            this._keyed = next;
            this._drawn = [].concat.apply([], Object.keys(next).map(function (k) {
                return next[k];
            }));
        },
        _clear: function () { this._show({}); },
        /* The selected incident's row in this payload, or -1. */
        _selected: function () {
            var s = this.options.selected, data = this._data;
            var ok = typeof s === 'number' && data && !data.bins && s >= 0 && s < data.n;
            return ok ? s : -1;
        },
        /* The row whose popup is open on this layer, or -1. */
        _openPopup: function () {
            var keyed = this._keyed;
            var open = Object.keys(keyed).filter(function (k) {
                return k.charAt(0) === 'p' && keyed[k][0].isPopupOpen();
            })[0];
            return open ? Number(open.slice(1)) : -1;
        },
        /* Open the popup a replaced layer of the same payload left open (once: the first
         * counted markers layer drawn takes the request, whichever payload it draws). */
        _reopen: function () {
            if (this.options.kind !== 'markers' || this.options.muted) { return; }
            var want = reopen;
            reopen = null;
            var same = want && want.key === sourceKey(this._source);
            var drawn = same && this._keyed['p' + want.index];
            if (drawn) { drawn[0].openPopup(); }
        },
        /* Report a click on row i as st_folium reads a click: a ``click`` event of this layer
         * whose source's tooltip text is "<row>@<payload file>" (numbers and a hash only:
         * st_folium parses that text as HTML). */
        _pick: function (i, e) {
            var name = payloadName(this._source);
            if (!name) { return; }
            var token = i + '@' + name;
            var target = {
                _tooltip: {_content: token},
                getTooltip: function () { return {getContent: function () { return token; }}; }
            };
            this.fire('click', {latlng: e.latlng, sourceTarget: target});
        },
        /* Draw what is in view now (called on every moveend). */
        redraw: function () {
            if (!this._map || !this._data) { return; }
            var kind = this.options.kind;
            if (kind === 'circles') {
                this._circles();
            } else if (kind === 'heat') {
                var s = this._selected(), latlng = s >= 0 && this._data.latLng(s);
                this._show(s >= 0 ? {s: function () { return selectionRing(latlng); }} : {});
            } else {
                this._markers();
            }
        },
        /* Incident i's marker (and examined mark), drawn at ``at`` when spread (see
         * :func:`spread`), else at its place. */
        _point: function (i, at) {
            var data = this._data, muted = this.options.muted, o = this.options.labels;
            var drawn = [marker(this, data, i, data.header.style, o, muted, at)];
            if (!muted && examined(data, i)) { drawn.push(examinedMark(data, i, at)); }
            return drawn;
        },
        _markers: function () {
            var self = this, map = this._map, data = this._data;
            if (data.bins) { this._bins(); return; }
            var index = data.clusters();
            var b = map.getBounds().pad(0.2), zoom = map.getZoom();
            var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
            var items = index.getClusters([west, b.getSouth(), east, b.getNorth()], zoom);
            var wanted = {}, points = [];
            items.forEach(function (f) {
                if (f.properties && f.properties.cluster) {
                    var c = f.geometry.coordinates, id = f.properties.cluster_id;
                    wanted['k' + id] = function () {
                        var m = L.marker([c[1], c[0]], L.extend({
                            icon: clusterIcon(f.properties.point_count, self.options.muted)
                        }, self.options.muted ? {pane: contextPane(map, 'cluster')} : {}));
                        m.on('click', self._expand.bind(self, id, [c[1], c[0]]));
                        return [m];
                    };
                } else {
                    points.push(f.id);
                }
            });
            // The selected incident shows, ringed, even where its neighbours are clustered.
            var s = this._selected();
            if (s >= 0 && points.indexOf(s) < 0) { points.push(s); }
            var at = zoom >= map.getMaxZoom() ? spread(map, data, points) : {};
            points.forEach(function (i) {
                wanted['p' + i] = self._point.bind(self, i, at[i]);
                if (at[i]) {
                    wanted['l' + i] = function () { return [leg(data.latLng(i), at[i])]; };
                }
            });
            if (s >= 0) {
                var ringAt = at[s] || data.latLng(s);
                wanted.s = function () { return selectionRing(ringAt); };
            }
            // A marker drawn elsewhere than it now belongs (spread, or no longer) is made again.
            Object.keys(this._keyed).forEach(function (key) {
                var want = key.charAt(0) === 'p' && at[Number(key.slice(1))];
                var drawn = key.charAt(0) === 'p' && self._keyed[key][0].getLatLng();
                var should = want || (drawn && data.latLng(Number(key.slice(1))));
                if ((drawn && !drawn.equals(should)) || key === 's') {
                    self._keyed[key].forEach(function (l) { map.removeLayer(l); });
                    delete self._keyed[key];
                }
            });
            this._show(wanted);
            if (s >= 0) {
                this._keyed['p' + s][0].bringToFront();
                this._keyed.s.forEach(function (l) { l.bringToFront(); });
            }
        },
        /* Server bins: a bubble each; a click zooms in, and the server refines the bins. */
        _bins: function () {
            var map = this._map, wanted = {};
            this._data.bins.forEach(function (b, k) {
                wanted['b' + k] = function () {
                    var m = L.marker([b[0], b[1]], {icon: clusterIcon(b[2])});
                    m.on('click', function () { map.setView([b[0], b[1]], map.getZoom() + 2); });
                    return [m];
                };
            });
            this._show(wanted);
        },
        _expand: function (id, latlng) {
            this._map.setView(latlng, this._data.clusters().getClusterExpansionZoom(id));
        },
        /* Uncertainty circles: the selected incident's always; the others' round the view only
         * while they would cover it at most ``maxCoverage`` deep on average (their areas on
         * screen, each at most the map's, summed over the area searched), so that they stay
         * apart enough to read; faint. */
        _circles: function () {
            var map = this._map, data = this._data, o = this.options;
            if (data.bins) { this._show({}); return; }  // no places to draw circles round
            var style = data.header.style, s = this._selected(), wanted = {};
            var size = map.getSize(), area = size.x * size.y, perPixel = metresPerPixel(map);
            var searched = 4 * area;  // the view padded by half its size on every side
            var renderer = this._renderer ||
                (this._renderer = L.canvas({padding: 0.5, pane: circlesPane(map)}));
            var circle = function (i, strong) {
                return function () {
                    return [L.circle(data.latLng(i), {
                        radius: style.radii[data.precision[i]] || 0,
                        color: style.colours[data.statusOf(i)] || '#878787',
                        weight: strong ? 2 : 1, opacity: strong ? 0.9 : 0.5,
                        fillOpacity: strong ? 0.1 : 0.04, dashArray: strong ? '6 4' : '4 4',
                        interactive: false, renderer: renderer, circleIndex: i
                    })];
                };
            };
            var b = map.getBounds().pad(0.5), covered = 0, found = [];
            for (var i = 0; i < data.n; i++) {
                if (i !== s && data.precision[i] > 1 && b.contains(data.latLng(i))) {
                    var r = (style.radii[data.precision[i]] || 0) / perPixel;
                    covered += Math.min(Math.PI * r * r, area);
                    found.push(i);
                    if (found.length > o.maxCircles || covered > o.maxCoverage * searched) {
                        found = [];
                        break;
                    }
                }
            }
            found.forEach(function (k) { wanted['c' + k] = circle(k, false); });
            if (s >= 0 && data.precision[s] > 1) { wanted['s' + s] = circle(s, true); }
            this._show(wanted);
        },
        /* How many incidents the layer holds. */
        size: function () { return this._data ? this._data.n : 0; },
        /* A promise of every incident id, in payload order (loads every detail block). */
        incidentIds: function () {
            return this.ready.then(function (data) {
                var wanted = [];
                if (data.bins) { return []; }  // the server sent counts, no incidents
                for (var i = 0; i < data.n; i++) { wanted.push(data.detail(i)); }
                return Promise.all(wanted);
            }).then(function (rows) {
                return rows.map(function (d) { return d.incident_id; });
            });
        },
        /* Centre the map on incident ``id`` at full zoom and open its tooltip and popup; a
         * promise of its marker once the popup shows the details. */
        openIncident: function (id) {
            var self = this;
            return this.incidentIds().then(function (ids) {
                var i = ids.indexOf(id);
                if (i < 0) { throw new Error('no incident ' + id); }
                self._map.setView(self._data.latLng(i), self._map.getMaxZoom(), {animate: false});
                self.redraw();
                var m = self._drawn.find(function (l) { return l.options.incidentIndex === i; });
                m.openTooltip();
                m.openPopup();
                return m.detailShown.then(function () { return m; });
            });
        }
    });
    /* The layers on a map now (tests and the benchmark read them). */
    L.IncidentLayer.instances = [];
    L.incidentLayer = function (source, options) { return new L.IncidentLayer(source, options); };

    /* The map's legend: static text from core/maps.py (no data), folded behind a "Legend"
     * button on narrow maps. The map's container says which legend applies (heat or status). */
    L.Control.IncidentLegend = L.Control.extend({
        options: {position: 'bottomright', html: '', toggle: ''},
        onAdd: function (map) {
            var div = L.DomUtil.create('div', 'incident-legend');
            if (map.getSize().x < NARROW) {
                var button = L.DomUtil.create('a', 'incident-legend-toggle', div);
                button.href = '#';
                button.textContent = this.options.toggle;
                button.setAttribute('role', 'button');
                L.DomUtil.addClass(div, 'folded');
                L.DomEvent.on(button, 'click', function (e) {
                    L.DomEvent.preventDefault(e);
                    div.classList.toggle('folded');
                });
            }
            L.DomUtil.create('div', 'incident-legend-body', div).innerHTML = this.options.html;
            L.DomEvent.disableClickPropagation(div);
            return div;
        }
    });
    L.control.incidentLegend = function (options) { return new L.Control.IncidentLegend(options); };

    /* Leaflet focuses the map on a mouse press (for its keyboard handler); the browser then
     * scrolls the page round the map's frame to bring the frame whole into view, and the map
     * moves under the pointer before the click lands. Focus it without scrolling anything. */
    L.Map.Keyboard.prototype._onMouseDown = function () {
        if (this._focused) { return; }
        this._map.getContainer().focus({preventScroll: true});
    };
    L.Control.prototype._refocusOnMap = function (e) {
        if (this._map && e && e.screenX > 0 && e.screenY > 0) {
            this._map.getContainer().focus({preventScroll: true});
        }
    };

    /* On narrow maps the layer control starts collapsed (an icon that opens it), whatever the
     * page asked for: expanded, it would cover much of a phone's map. */
    L.Control.Layers.addInitHook(function () {
        var onAdd = this.onAdd;
        this.onAdd = function (map) {
            if (map.getSize().x < NARROW) { this.options.collapsed = true; }
            return onAdd.call(this, map);
        };
    });
})();
