/*
** Faster memcpy, memmove, memset, memcmp and strlen for wasm32-wasi.
**
** Linked into the tuned Wasm builds of the benchmarks (continuum-bench
** paper, bench/sqlite/build.sh with SQLITE_WASM_SOURCES): an object file on
** the link line defines these symbols before the linker looks into
** wasi-libc's libc.a, so libc's versions are not used. Debian's wasi-libc
** (2022) compiles them as plain byte/word C loops; glibc's x86-64 versions,
** which the native build gets, use SSE2/AVX2. These are our own versions of
** the same functions, written for Wasm's two relevant extensions:
**
**   bulk memory  memory.copy / memory.fill (one instruction, a host memmove /
**                memset in the engine) for large blocks;
**   SIMD 128     16-byte loads, stores and compares for the small and middle
**                sizes, where a call into the engine would cost more than it
**                saves.
**
** Build with -msimd128 -mbulk-memory (the file does not compile without
** them). Every function keeps the C standard's contract; memmove is
** overlap-safe. Reading past the end of a string in strlen is done only with
** 16-byte-aligned loads, which never cross a 64 KiB Wasm page and so stay in
** bounds whenever the first byte is.
*/
#if !defined(__wasm_simd128__) || !defined(__wasm_bulk_memory__)
#error "wasm-string.c needs -msimd128 -mbulk-memory"
#endif

#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

/* Above this many bytes, copy and fill with memory.copy / memory.fill. */
#define BULK 256

/* Keep clang from turning the loops below back into calls of the very
** functions they implement. */
#define NB __attribute__((no_builtin))

static inline v128_t ld(const unsigned char *p) { return wasm_v128_load(p); }
static inline void st(unsigned char *p, v128_t v) { wasm_v128_store(p, v); }

/* Copies n < 16 bytes; safe for overlap (everything is loaded first). */
static inline void small_move(unsigned char *d, const unsigned char *s, size_t n) {
    if (n >= 8) {
        uint64_t a, b;
        __builtin_memcpy(&a, s, 8);
        __builtin_memcpy(&b, s + n - 8, 8);
        __builtin_memcpy(d, &a, 8);
        __builtin_memcpy(d + n - 8, &b, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        __builtin_memcpy(&a, s, 4);
        __builtin_memcpy(&b, s + n - 4, 4);
        __builtin_memcpy(d, &a, 4);
        __builtin_memcpy(d + n - 4, &b, 4);
    } else if (n > 0) {
        unsigned char a = s[0], b = s[n / 2], c = s[n - 1];
        d[0] = a;
        d[n / 2] = b;
        d[n - 1] = c;
    }
}

NB void *memcpy(void *restrict dst, const void *restrict src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n < 16) {
        small_move(d, s, n);
    } else if (n <= 32) {
        v128_t a = ld(s), b = ld(s + n - 16);
        st(d, a);
        st(d + n - 16, b);
    } else if (n <= BULK) {
        v128_t last = ld(s + n - 16);
        for (size_t i = 0; i + 16 < n; i += 16) st(d + i, ld(s + i));
        st(d + n - 16, last);
    } else {
        __builtin_memcpy(d, s, n); /* memory.copy */
    }
    return dst;
}

NB void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (n < 16) {
        small_move(d, s, n);
    } else if (n <= 32) {
        v128_t a = ld(s), b = ld(s + n - 16);
        st(d, a);
        st(d + n - 16, b);
    } else {
        __builtin_memmove(d, s, n); /* memory.copy, overlap-safe */
    }
    return dst;
}

NB void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    unsigned char b = (unsigned char)c;
    if (n < 16) {
        for (size_t i = 0; i < n; i++) d[i] = b;
    } else if (n <= BULK) {
        v128_t v = wasm_i8x16_splat((int8_t)b);
        for (size_t i = 0; i + 16 < n; i += 16) st(d + i, v);
        st(d + n - 16, v);
    } else {
        __builtin_memset(d, b, n); /* memory.fill */
    }
    return dst;
}

NB int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *p = a, *q = b;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        v128_t x = ld(p + i), y = ld(q + i);
        uint32_t ne = (uint32_t)wasm_i8x16_bitmask(wasm_v128_not(wasm_i8x16_eq(x, y)));
        if (ne) {
            size_t j = i + (size_t)__builtin_ctz(ne);
            return (int)p[j] - (int)q[j];
        }
    }
    for (; i < n; i++)
        if (p[i] != q[i]) return (int)p[i] - (int)q[i];
    return 0;
}

NB size_t strlen(const char *str) {
    const unsigned char *s = (const unsigned char *)str;
    const unsigned char *p = s;
    /* byte by byte up to the next 16-byte boundary */
    for (; ((uintptr_t)p & 15) != 0; p++)
        if (*p == 0) return (size_t)(p - s);
    const v128_t zero = wasm_i8x16_splat(0);
    for (;; p += 16) {
        uint32_t m = (uint32_t)wasm_i8x16_bitmask(wasm_i8x16_eq(ld(p), zero));
        if (m) return (size_t)(p - s) + (size_t)__builtin_ctz(m);
    }
}
