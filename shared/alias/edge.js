import cf from 'cloudfront';

// Gatepass admin alias at the edge: a CloudFront Function (runtime
// cloudfront-js-2.0, viewer request) on every cache behaviour — /api/* and
// */api/* to the HTTP API, the default to the web app's bucket. Its contract
// is the Go package github.com/gatepass/gatepass/shared/alias:
//   - the key "adminAlias" of the associated KeyValueStore holds
//     {"alias": "<S>"} ("" for none); the admin function writes it when the
//     parameter changes, so a change applies at the edge at once;
//   - with an alias S, only /S and paths under /S/ exist: /S redirects to /S/,
//     the rest lose the /S prefix and carry x-gatepass-alias: S, which the
//     functions check again;
//   - every other path is rewritten to a path that exists nowhere, so the
//     origin answers it exactly as it answers any unknown path;
//   - a client's own x-gatepass-alias is always removed;
//   - an unreadable alias hides everything (fail closed).

const kvs = cf.kvs();
const HEADER = 'x-gatepass-alias';
const HIDDEN_API = '/api/.gatepass/not-found';
const HIDDEN_WEB = '/.gatepass/not-found';

function isAPI(uri) {
    return uri === '/api' || uri.startsWith('/api/') || uri.indexOf('/api/') > 0;
}

function hide(request) {
    request.uri = isAPI(request.uri) ? HIDDEN_API : HIDDEN_WEB;
    request.querystring = {};
    return request;
}

async function handler(event) {
    const request = event.request;
    delete request.headers[HEADER];
    let alias;
    try {
        alias = (await kvs.get('adminAlias', { format: 'json' })).alias;
    } catch (err) {
        return hide(request);
    }
    if (typeof alias !== 'string') {
        return hide(request);
    }
    if (alias === '') {
        return request;
    }
    const prefix = '/' + alias;
    if (request.uri === prefix) {
        return {
            statusCode: 308,
            statusDescription: 'Permanent Redirect',
            headers: { location: { value: prefix + '/' } },
        };
    }
    if (request.uri.startsWith(prefix + '/')) {
        request.uri = request.uri.slice(prefix.length);
        request.headers[HEADER] = { value: alias };
        return request;
    }
    return hide(request);
}
