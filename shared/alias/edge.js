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
//   - every other path — /api/... and the web app alike — gets one and the
//     same 404 from the function itself (HIDDEN below: the bytes, status and
//     Content-Type of Go's http.NotFound, which the local gateway sends for
//     the same paths), so no path outside /S/ tells an API route from an
//     unknown one, nor the HTTP API from the bucket;
//   - a client's own x-gatepass-alias is always removed;
//   - an unreadable alias hides everything (fail closed).

const kvs = cf.kvs();
const HEADER = 'x-gatepass-alias';
// HIDDEN is the answer to every path outside the alias (alias.Hidden in Go).
const HIDDEN = {
    statusCode: 404,
    statusDescription: 'Not Found',
    headers: {
        'content-type': { value: 'text/plain; charset=utf-8' },
        'x-content-type-options': { value: 'nosniff' },
        'cache-control': { value: 'no-store' },
    },
    body: { encoding: 'text', data: '404 page not found\n' },
};

function hide() {
    return HIDDEN;
}

async function handler(event) {
    const request = event.request;
    delete request.headers[HEADER];
    let alias;
    try {
        alias = (await kvs.get('adminAlias', { format: 'json' })).alias;
    } catch (err) {
        return hide();
    }
    if (typeof alias !== 'string') {
        return hide();
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
    return hide();
}
