// A real OpenID Connect provider on loopback, for tests/e2e/test_oidc.py only.
//
// Usage: node provider.js <redirect_uri> <client_secret>
// Listens on a free port of 127.0.0.1 and prints one JSON line, {"issuer": ...}, once it serves.
// Its login form (oidc-provider's development interactions) accepts any password; the login
// names one of the ACCOUNTS below, each with the claims a test needs.
import http from "node:http";

import Provider from "oidc-provider";

const ACCOUNTS = {
  // An analyst: an email on the analyst list, verified by the provider.
  ana: { email: "ana@example.org", email_verified: true, name: "Ana" },
  // The same address, but the provider has not verified that this user owns it.
  mallory: { email: "ana@example.org", email_verified: false, name: "Mallory" },
  // A verified email that is not on the analyst list.
  eve: { email: "eve@other.net", email_verified: true, name: "Eve" },
  // No email at all, a name chosen to look like an analyst's address.
  noemail: { name: "ana@example.org" },
};

const [redirectUri, clientSecret] = process.argv.slice(2);
if (!redirectUri || !clientSecret) {
  console.error("usage: node provider.js <redirect_uri> <client_secret>");
  process.exit(2);
}

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "dashboard",
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        response_types: ["code"],
        grant_types: ["authorization_code"],
      },
    ],
    claims: { email: ["email", "email_verified"], profile: ["name"] },
    // Streamlit reads the user from the ID token, not from the userinfo endpoint.
    conformIdTokenClaims: false,
    async findAccount(ctx, id) {
      if (!Object.hasOwn(ACCOUNTS, id)) {
        return undefined;
      }
      return { accountId: id, claims: async () => ({ sub: id, ...ACCOUNTS[id] }) };
    },
  });
  server.on("request", provider.callback());
  console.log(JSON.stringify({ issuer }));
});
