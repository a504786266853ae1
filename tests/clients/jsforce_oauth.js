// Drives jsforce's OAuth2, unchanged, against a running sflab mock org: the authorization
// code flow with PKCE (jsforce's `useVerifier`), completed by a scripted browser that follows
// nothing but the org's 302 to the callback; then a refresh, an automatic refresh on 401 at
// two expiries in a row, the identity URL, and revocation.
// Reads SF_LOGIN_URL, CLIENT_ID, CLIENT_SECRET, CALLBACK_URL (NODE_EXTRA_CA_CERTS trusts the
// org's CA). Prints one line per check passed; exits 1 on the first wrong answer.
'use strict';
const jsforce = require('jsforce');

function check(name, cond, detail) {
  if (!cond) {
    console.error(`FAILED ${name}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
  console.log(`ok ${name}`);
}

async function main() {
  const oauth2 = new jsforce.OAuth2({
    loginUrl: process.env.SF_LOGIN_URL,
    clientId: process.env.CLIENT_ID,
    clientSecret: process.env.CLIENT_SECRET,
    redirectUri: process.env.CALLBACK_URL,
    useVerifier: true,
  });
  const url = oauth2.getAuthorizationUrl({ scope: 'api refresh_token openid', state: 'jsf-1' });
  // The scripted browser: the app auto-approves, so the org answers 302 to the callback.
  const res = await fetch(url, { redirect: 'manual' });
  check('authorize answers 302', res.status === 302, res.status);
  const callback = new URL(res.headers.get('location'));
  check('state is echoed', callback.searchParams.get('state') === 'jsf-1', callback.search);
  const code = callback.searchParams.get('code');

  const conn = new jsforce.Connection({ oauth2 });
  const info = await conn.authorize(code);
  check('authorize(code) logs in', conn.accessToken.startsWith('00D') && info.organizationId, info);
  check('a refresh token is issued', typeof conn.refreshToken === 'string', conn.refreshToken && 'present');
  const global = await conn.describeGlobal();
  check('the token works on REST', Array.isArray(global.sobjects), Object.keys(global));
  const identity = await conn.identity();
  check('identity() reads the identity URL', identity.user_id === info.id, identity.user_id);

  const refreshed = await oauth2.refreshToken(conn.refreshToken);
  check('refreshToken() gives a new access token', refreshed.access_token !== conn.accessToken, 'same token');
  // The app does not rotate (an admin's opt-in on a real org): no new refresh token.
  check('no rotation: the refresh answer carries no refresh token', refreshed.refresh_token === undefined, refreshed.refresh_token && 'rotated');

  // A dead access token and the first refresh token: jsforce refreshes on 401 and retries.
  const expired = conn.accessToken.split('!')[0] + '!expired';
  const stale = new jsforce.Connection({
    oauth2,
    instanceUrl: refreshed.instance_url,
    accessToken: expired,
    refreshToken: conn.refreshToken,
  });
  let events = 0;
  stale.on('refresh', () => { events += 1; });
  const again = await stale.describeGlobal();
  check('a 401 triggers one refresh and the retry succeeds', events === 1 && Array.isArray(again.sobjects), events);
  // The second expiry: jsforce refreshes with the refresh token it was given, unchanged.
  stale.accessToken = expired;
  const third = await stale.describeGlobal();
  check('an unchanged connection survives a second expiry', events === 2 && Array.isArray(third.sobjects), events);

  // Revoking an access token ends only that token: the next call refreshes again.
  await oauth2.revokeToken(stale.accessToken);
  const renewed = await stale.request({ method: 'GET', url: '/services/data/v50.0/limits' });
  check('a revoked access token is refreshed past', events === 3 && renewed.DailyApiRequests, events);
  // Revoking the refresh token ends the grant: its access tokens and the token itself.
  await oauth2.revokeToken(conn.refreshToken);
  let dead = null;
  try {
    await stale.request({ method: 'GET', url: '/services/data/v50.0/limits' });
  } catch (e) {
    dead = e;
  }
  check('a revoked grant is refused', dead !== null, 'request succeeded');
  let refused = null;
  try {
    await oauth2.refreshToken(conn.refreshToken);
  } catch (e) {
    refused = e;
  }
  check('a revoked refresh token is refused', refused && refused.name === 'invalid_grant', refused && refused.name);

  console.log('all jsforce OAuth checks passed');
}

main().catch((e) => {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
