// Drives jsforce's OAuth2, unchanged, against a running sflab mock org: the authorization
// code flow with PKCE (jsforce's `useVerifier`), completed by a scripted browser that follows
// nothing but the org's 302 to the callback; then a refresh, an automatic refresh on 401,
// the identity URL, and revocation.
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
  check('rotation gives a new refresh token', refreshed.refresh_token && refreshed.refresh_token !== conn.refreshToken, 'not rotated');

  // A dead access token with the newest refresh token: jsforce refreshes on 401 and retries.
  const stale = new jsforce.Connection({
    oauth2,
    instanceUrl: refreshed.instance_url,
    accessToken: conn.accessToken.split('!')[0] + '!expired',
    refreshToken: refreshed.refresh_token,
  });
  let events = 0;
  stale.on('refresh', () => { events += 1; });
  const again = await stale.describeGlobal();
  check('a 401 triggers one refresh and the retry succeeds', events === 1 && Array.isArray(again.sobjects), events);

  await oauth2.revokeToken(stale.accessToken);
  let dead = null;
  try {
    await stale.request({ method: 'GET', url: '/services/data/v50.0/limits' });
  } catch (e) {
    dead = e;
  }
  check('a revoked token is refused', dead !== null, 'request succeeded');
  // The first refresh token was rotated out: presenting it again is refused.
  let refused = null;
  try {
    await oauth2.refreshToken(conn.refreshToken);
  } catch (e) {
    refused = e;
  }
  check('a rotated-out refresh token is refused', refused && refused.name === 'invalid_grant', refused && refused.name);

  console.log('all jsforce OAuth checks passed');
}

main().catch((e) => {
  console.error(`FAILED: ${e.stack || e}`);
  process.exit(1);
});
