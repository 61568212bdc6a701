package breached

import (
	"bytes"
	"crypto/sha1"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// MinPaddedLines is the fewest lines a padded response of [RangeHandler]
// has: every padded response has max(MinPaddedLines, the most real entries
// under one prefix) lines, all of the same length.
const MinPaddedLines = 100

// rangeIndex is RangeHandler's corpus: the distinct SHA-1 hashes of its
// passwords, sorted, so that the entries of a prefix are one run of them.
type rangeIndex struct {
	hashes [][sha1.Size]byte
	// padded is the number of lines of every padded response.
	padded int
}

// RangeHandler returns a handler that serves the range protocol [Client]
// speaks from the SHA-1 hashes of passwords (hashed as given, their UTF-8
// bytes): GET or HEAD on any path whose last segment is a prefix of exactly
// 5 hex characters, of either case, answers 200 with one line
// "SUFFIX:1\r\n" (35 upper-case hex characters) per distinct password under
// that prefix, sorted; a password listed twice is listed once, as the corpus
// has no frequencies. With the request header "Add-Padding: true" it adds
// lines "SUFFIX:0" so that every padded response has the same number of
// lines of the same length — it never reveals how many entries match. Any
// other last segment is answered 400, any other method 405. The index is
// built once, here (some 40 ms and 1 MiB for policy's 49,000 common
// passwords); the handler is immutable and safe for concurrent use.
//
// Mount it on a prefix pattern, e.g. mux.Handle("GET /range/", h), and give
// the Client that prefix as its base URL ("http://127.0.0.1:8080/range/").
func RangeHandler(passwords []string) http.Handler {
	hashes := make([][sha1.Size]byte, 0, len(passwords))
	for _, p := range passwords {
		hashes = append(hashes, sha1.Sum([]byte(p)))
	}
	return newRangeIndex(hashes)
}

// newRangeIndex indexes hashes, which it sorts in place.
func newRangeIndex(hashes [][sha1.Size]byte) *rangeIndex {
	slices.SortFunc(hashes, func(a, b [sha1.Size]byte) int { return bytes.Compare(a[:], b[:]) })
	hashes = slices.Compact(hashes)
	idx := &rangeIndex{hashes: hashes, padded: MinPaddedLines}
	for i := 0; i < len(hashes); {
		j := idx.end(i)
		idx.padded = max(idx.padded, j-i)
		i = j
	}
	return idx
}

// prefixOf is the first 20 bits of h: its 5-hex-character prefix.
func prefixOf(h [sha1.Size]byte) uint32 {
	return uint32(h[0])<<12 | uint32(h[1])<<4 | uint32(h[2])>>4
}

// end returns the index just past the run of hashes sharing hashes[i]'s
// prefix.
func (x *rangeIndex) end(i int) int {
	p := prefixOf(x.hashes[i])
	return i + sort.Search(len(x.hashes)-i, func(k int) bool { return prefixOf(x.hashes[i+k]) > p })
}

// lookup returns the hashes under prefix p.
func (x *rangeIndex) lookup(p uint32) [][sha1.Size]byte {
	lo := sort.Search(len(x.hashes), func(k int) bool { return prefixOf(x.hashes[k]) >= p })
	hi := sort.Search(len(x.hashes), func(k int) bool { return prefixOf(x.hashes[k]) > p })
	return x.hashes[lo:hi]
}

// parsePrefix returns the value of a 5-hex-character prefix.
func parsePrefix(s string) (uint32, bool) {
	if len(s) != PrefixLen {
		return 0, false
	}
	var p uint32
	for i := 0; i < len(s); i++ {
		v, ok := hexValue(s[i])
		if !ok {
			return 0, false
		}
		p = p<<4 | v
	}
	return p, true
}

// ServeHTTP answers one range query.
func (x *rangeIndex) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p, ok := parsePrefix(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:])
	if !ok {
		// The prefix is not repeated.
		http.Error(w, "the hash prefix must be 5 hex characters", http.StatusBadRequest)
		return
	}
	prefix := strings.ToUpper(r.URL.Path[len(r.URL.Path)-PrefixLen:])

	var lines []string
	for _, h := range x.lookup(p) {
		lines = append(lines, upperHex(h)[PrefixLen:]+":1")
	}
	if strings.EqualFold(r.Header.Get("Add-Padding"), "true") {
		// Padding suffixes are derived from the prefix, so a response is
		// the same every time; a collision with a real suffix (2^-140) would
		// only add a line with a count of 0.
		for i := len(lines); i < x.padded; i++ {
			h := upperHex(sha1.Sum([]byte("gatepass range padding " + prefix + " " + strconv.Itoa(i))))
			lines = append(lines, h[PrefixLen:]+":0")
		}
	}
	slices.Sort(lines)
	var body strings.Builder
	body.Grow(len(lines) * (SuffixLen + 4))
	for _, l := range lines {
		body.WriteString(l)
		body.WriteString("\r\n")
	}

	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(body.Len()))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Add-Padding")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, body.String())
	}
}
