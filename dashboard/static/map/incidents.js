/* The incident layers of the dashboard's map, drawn from one compact columnar payload.
 *
 * The payload (built by dashboard/core/maps.py) is a little-endian binary: a uint32 header length,
 * a JSON header (dictionaries, day zero, the arrays' layout, the detail blocks' file names), then
 * typed arrays: latitude and longitude as int32 (1e-5 degree), days since day zero, and dictionary
 * codes for status, weapon and precision. Details (place, casualties, source) come in blocks of
 * rows, fetched when a popup opens. Every data string is put in the page with textContent only.
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
        this.day = c.day;
        this.status = c.status;
        this.weapon = c.weapon;
        this.precision = c.precision;
        this.scale = h.scale;
        this.blocks = {};
        this.index = null;
    }

    Incidents.prototype.latLng = function (i) {
        return L.latLng(this.lat[i] / this.scale, this.lon[i] / this.scale);
    };
    Incidents.prototype.date = function (i) {
        if (this.day[i] === 0xffff) { return ''; }
        return new Date((this.header.day0 + this.day[i]) * 86400000).toISOString().slice(0, 10);
    };
    Incidents.prototype.statusOf = function (i) {
        return this.status[i] ? this.header.statuses[this.status[i] - 1] : '';
    };
    Incidents.prototype.weaponOf = function (i) {
        return this.weapon[i] ? this.header.weapons[this.weapon[i] - 1] : '';
    };
    Incidents.prototype.summary = function (i) {
        return this.date(i) + ' · ' + this.weaponOf(i) + ' · ' + this.statusOf(i);
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

    function casualties(d) {
        if (d.killed === null && d.injured === null) { return 'not reported'; }
        return (d.killed === null ? '?' : d.killed) + ' killed, ' +
               (d.injured === null ? '?' : d.injured) + ' injured';
    }

    /* Fill a popup box with incident i's facts, the summary first, the details once loaded; ``o``
     * is the payload's style (status colours and labels, precision texts and radii). */
    function fillPopup(box, data, i, o, d) {
        while (box.firstChild) { box.removeChild(box.firstChild); }
        var place = d ? d.location + (d.district ? ' (' + d.district + ')' : '') : '…';
        box.appendChild(text('h4', data.date(i) + ' · ' + place));
        line(box, 'Weapon', data.weaponOf(i));
        var status = data.statusOf(i);
        line(box, 'Attribution', o.labels[status] || status);
        if (!d) { return; }
        line(box, 'Attributed by', d.attributed_by);
        line(box, 'Casualties', casualties(d));
        line(box, 'Location precision', o.precisions[data.precision[i]]);
        line(box, 'Incident', d.incident_id);
        if (d.source_url || d.source_title) {
            var p = document.createElement('div');
            p.appendChild(text('b', 'Source: '));
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

    /* One incident as a circle marker: tooltip from the payload, popup details fetched on open. */
    function marker(data, i, o, muted) {
        var precise = data.precision[i] <= 1;
        var m = L.circleMarker(data.latLng(i), {
            radius: muted ? 6 : 8, color: muted ? '#8c8c8c' : '#1b1b1b', weight: 1,
            fillColor: muted ? '#d9d9d9' : (o.colours[data.statusOf(i)] || '#878787'),
            fillOpacity: muted ? 0.6 : 0.9,
            dashArray: precise ? null : '3 2', incidentIndex: i
        });
        m.bindTooltip(function () {
            var summary = (muted ? 'Context (not DPRK-origin) · ' : '') + data.summary(i);
            return text('span', summary, 'incident-tooltip');
        });
        m.bindPopup(function () {
            var box = document.createElement('div');
            box.className = 'incident-popup';
            fillPopup(box, data, i, o, null);
            m.detailShown = data.detail(i).then(function (d) {
                fillPopup(box, data, i, o, d);
                // The box itself becomes the content: update() would call this function again.
                if (m.getPopup()) { m.getPopup().setContent(box); }
                return d;
            });
            return box;
        }, {maxWidth: 360});
        return m;
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

    function clusterIcon(count, muted) {
        var size = count < 100 ? 30 : count < 1000 ? 36 : count < 10000 ? 42 : 48;
        var label = document.createElement('span');
        label.textContent = count >= 10000 ? Math.round(count / 1000) + 'k' : String(count);
        var cls = muted ? 'incident-cluster context-cluster' : 'incident-cluster';
        return L.divIcon({html: label, className: cls, iconSize: [size, size]});
    }

    /* One of the payload's layers: kind "markers" (clusters and points), "circles" (location
     * uncertainty) or "heat". It draws what is in view, again after every move. */
    L.IncidentLayer = L.Layer.extend({
        initialize: function (source, options) {
            L.setOptions(this, options);
            this._source = source;
            this._drawn = [];
            this.ready = load(source);
        },
        onAdd: function (map) {
            var self = this;
            L.IncidentLayer.instances.push(this);
            this.ready.then(function (data) {
                if (self._map !== map) { return; }
                self._data = data;
                if (self.options.kind === 'heat') {
                    self._heat = L.heatLayer(heatPoints(data), self.options.heat).addTo(map);
                } else {
                    map.on('moveend', self.redraw, self);
                    self.redraw();
                }
            });
        },
        onRemove: function (map) {
            map.off('moveend', this.redraw, this);
            this._clear();
            if (this._heat) { map.removeLayer(this._heat); this._heat = null; }
            // A payload no layer on a map uses any more is dropped (a filter change replaces it).
            var list = L.IncidentLayer.instances, key = sourceKey(this._source);
            list.splice(list.indexOf(this), 1);
            if (!list.some(function (l) { return sourceKey(l._source) === key; })) {
                delete loaded[key];
            }
        },
        _clear: function () {
            var map = this._map;
            this._drawn.forEach(function (l) { if (map) { map.removeLayer(l); } });
            this._drawn = [];
        },
        _add: function (layer) {
            this._drawn.push(layer);
            layer.addTo(this._map);
            return layer;
        },
        /* Draw what is in view now (called on every moveend). */
        redraw: function () {
            if (!this._map || !this._data) { return; }
            this._clear();
            if (this.options.kind === 'circles') { this._circles(); } else { this._markers(); }
        },
        _markers: function () {
            var map = this._map, data = this._data;
            if (data.bins) { this._bins(); return; }
            var index = data.clusters();
            var b = map.getBounds().pad(0.2), zoom = map.getZoom();
            var west = Math.max(-180, b.getWest()), east = Math.min(180, b.getEast());
            var items = index.getClusters([west, b.getSouth(), east, b.getNorth()], zoom);
            for (var k = 0; k < items.length; k++) {
                var f = items[k];
                if (f.properties && f.properties.cluster) {
                    var c = f.geometry.coordinates, id = f.properties.cluster_id;
                    var m = L.marker([c[1], c[0]], {
                        icon: clusterIcon(f.properties.point_count, this.options.muted)
                    });
                    m.on('click', this._expand.bind(this, id, [c[1], c[0]]));
                    this._add(m);
                } else {
                    this._add(marker(data, f.id, data.header.style, this.options.muted));
                }
            }
        },
        /* Server bins: a bubble each; a click zooms in, and the server refines the bins. */
        _bins: function () {
            var map = this._map, self = this;
            this._data.bins.forEach(function (b) {
                var m = L.marker([b[0], b[1]], {icon: clusterIcon(b[2])});
                m.on('click', function () { map.setView([b[0], b[1]], map.getZoom() + 2); });
                self._add(m);
            });
        },
        _expand: function (id, latlng) {
            this._map.setView(latlng, this._data.clusters().getClusterExpansionZoom(id));
        },
        _circles: function () {
            var map = this._map, data = this._data, o = this.options;
            if (data.bins) { return; }  // no places to draw circles round
            var style = data.header.style;
            var b = map.getBounds().pad(0.5), found = [];
            for (var i = 0; i < data.n; i++) {
                if (data.precision[i] > 1 && b.contains(data.latLng(i))) {
                    found.push(i);
                    if (found.length > o.maxCircles) { return; }
                }
            }
            var renderer = this._renderer || (this._renderer = L.canvas({padding: 0.5}));
            var self = this;
            found.forEach(function (i) {
                self._add(L.circle(data.latLng(i), {
                    radius: style.radii[data.precision[i]] || 0,
                    color: style.colours[data.statusOf(i)] || '#878787', weight: 1, opacity: 0.6,
                    fillOpacity: 0.07, dashArray: '4 4', interactive: false, renderer: renderer
                }));
            });
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
})();
