package main

import (
	"encoding/binary"
	"sync"
	"time"
)

// maxLeakMiB caps LEAK_MIB and the leakMiB query parameter, like maxBodyMiB.
const maxLeakMiB = 4096

// leakCache is a process-wide cache that only grows: with LEAK_MIB (or
// ?leakMiB=) each bulk request adds to it and nothing ever frees it, so the
// live heap creeps towards the limit between requests (the GC death spiral).
var leakCache struct {
	mu     sync.Mutex
	chunks [][]byte
	bytes  int64
}

// leak adds mib MiB of freshly allocated, resident data to leakCache and
// returns the bytes it now holds.
func leak(mib float64) int64 {
	n := int(mib * (1 << 20))
	if n <= 0 {
		return leakCacheBytes()
	}
	chunk := make([]byte, n)
	// Outside the lock, so concurrent requests fill in parallel; a new seed
	// each time keeps chunks from being identical.
	fillNonZero(chunk, uint64(time.Now().UnixNano()))
	leakCache.mu.Lock()
	defer leakCache.mu.Unlock()
	leakCache.chunks = append(leakCache.chunks, chunk)
	leakCache.bytes += int64(n)
	return leakCache.bytes
}

func leakCacheBytes() int64 {
	leakCache.mu.Lock()
	defer leakCache.mu.Unlock()
	return leakCache.bytes
}

// fillNonZero writes every byte of b with pseudo-random, never-zero values,
// so each page is touched (resident, not the shared zero page) and nothing
// below can dedupe or cheaply compress it.
func fillNonZero(b []byte, seed uint64) {
	x := seed | 1 // xorshift needs a non-zero state
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		binary.LittleEndian.PutUint64(b[i:], x|0x0101010101010101)
	}
	for ; i < len(b); i++ {
		b[i] = byte(i) | 1
	}
}
