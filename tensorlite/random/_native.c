/* Philox4x32-10 stream words in plain C (DESIGN §4.1), compiled on first use by
 * tensorlite/random/_native.py and called through ctypes.
 *
 * Word j of the stream for a 64-bit seed is
 *
 *     W(seed, j) = Philox4x32-10(counter = j / 4, key = seed)[j % 4]
 *
 * with the counter words (c0, c1, c2, c3) = (lo32(j / 4), hi32(j / 4), 0, 0) and the
 * key (lo32(seed), hi32(seed)). Block indices are taken as uint64 here, so these
 * functions cover words j < 2**66; the Python side keeps the rest of the 2**130-word
 * stream on randomgen.
 *
 * Speed: the blocks are independent, so LANES of them are computed side by side
 * (SIMD across blocks). With AVX2 (x86-64 compiled with -march=native) this is written
 * with intrinsics, ~0.8 ns/word against randomgen's ~4-6 on the same machine; elsewhere
 * a structure-of-arrays loop that the compiler vectorizes as it can (~1.6 ns/word on
 * x86-64 without -march=native). Both give the same words (tests compare them with the
 * pure NumPy definition).
 */
#include <stdint.h>
#include <math.h>
#include <string.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#define M0 0xD2511F53u /* Random123's round multipliers */
#define M1 0xCD9E8D57u
#define W0 0x9E3779B9u /* key increments: golden ratio, sqrt(3) - 1 */
#define W1 0xBB67AE85u

#if defined(__AVX2__)
/* AVX2 (the loader compiles with -march=native first): 4 blocks per 256-bit register,
 * each counter word in a 64-bit lane so that vpmuludq (_mm256_mul_epu32) gives the
 * exact 32x32->64-bit products; VECS registers per iteration for instruction-level
 * parallelism. Measured 0.77 ns/word with VECS 2 or 4, 0.92 with 8 (gcc 12, -O3).
 * gcc does not find this on its own: its auto-vectorized structure-of-arrays loop
 * below emulates 64-bit multiplies with shifts and adds (1.6-6 ns/word). */
#define VECS 4
#define LANES (4 * VECS)

/* Blocks b, b+1, ..., b+n-1 (4 words each) into out[0 .. 4n-1]. */
static void philox_blocks(uint32_t k0, uint32_t k1, uint64_t b, uint64_t n, uint32_t *out)
{
    const __m256i mask = _mm256_set1_epi64x(0xFFFFFFFF), m0 = _mm256_set1_epi64x(M0),
                  m1 = _mm256_set1_epi64x(M1), step = _mm256_set_epi64x(3, 2, 1, 0);
    uint32_t tmp[4 * LANES];
    while (n) {
        uint64_t m = n < LANES ? n : LANES;
        __m256i c0[VECS], c1[VECS], c2[VECS], c3[VECS];
        for (int v = 0; v < VECS; v++) {
            __m256i blk = _mm256_add_epi64(_mm256_set1_epi64x((long long)(b + 4 * v)), step);
            c0[v] = _mm256_and_si256(blk, mask);
            c1[v] = _mm256_srli_epi64(blk, 32);
            c2[v] = _mm256_setzero_si256();
            c3[v] = _mm256_setzero_si256();
        }
        uint32_t ka = k0, kb = k1;
        for (int r = 0; r < 10; r++) {
            __m256i vka = _mm256_set1_epi64x(ka), vkb = _mm256_set1_epi64x(kb);
            for (int v = 0; v < VECS; v++) {
                __m256i p0 = _mm256_mul_epu32(c0[v], m0), p1 = _mm256_mul_epu32(c2[v], m1);
                c0[v] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1[v]), vka);
                c2[v] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3[v]), vkb);
                c1[v] = _mm256_and_si256(p1, mask);
                c3[v] = _mm256_and_si256(p0, mask);
            }
            ka += W0; kb += W1;
        }
        uint32_t *dst = m == LANES ? out : tmp;
        for (int v = 0; v < VECS; v++) {
            __m256i a = _mm256_or_si256(c0[v], _mm256_slli_epi64(c1[v], 32));
            __m256i d = _mm256_or_si256(c2[v], _mm256_slli_epi64(c3[v], 32));
            __m256i lo = _mm256_unpacklo_epi64(a, d), hi = _mm256_unpackhi_epi64(a, d);
            _mm256_storeu_si256((__m256i *)(dst + 16 * v), _mm256_permute2x128_si256(lo, hi, 0x20));
            _mm256_storeu_si256((__m256i *)(dst + 16 * v + 8), _mm256_permute2x128_si256(lo, hi, 0x31));
        }
        if (dst == tmp) memcpy(out, tmp, 16 * m);
        b += m; n -= m; out += 4 * m;
    }
}
#else
#define LANES 32 /* blocks per iteration (measured best of 8, 16, 32 without AVX2) */

/* Blocks b, b+1, ..., b+n-1 (4 words each) into out[0 .. 4n-1]. */
static void philox_blocks(uint32_t k0, uint32_t k1, uint64_t b, uint64_t n, uint32_t *out)
{
    while (n) {
        uint64_t m = n < LANES ? n : LANES;
        uint32_t c0[LANES], c1[LANES], c2[LANES], c3[LANES];
        for (int l = 0; l < LANES; l++) {
            uint64_t block = b + (uint64_t)l; /* lanes past m are computed, not stored */
            c0[l] = (uint32_t)block;
            c1[l] = (uint32_t)(block >> 32);
            c2[l] = 0;
            c3[l] = 0;
        }
        uint32_t ka = k0, kb = k1;
        for (int r = 0; r < 10; r++) {
            for (int l = 0; l < LANES; l++) {
                uint64_t p0 = (uint64_t)M0 * c0[l];
                uint64_t p1 = (uint64_t)M1 * c2[l];
                uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[l] ^ ka;
                uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3[l] ^ kb;
                c1[l] = (uint32_t)p1;
                c3[l] = (uint32_t)p0;
                c0[l] = n0;
                c2[l] = n2;
            }
            ka += W0;
            kb += W1;
        }
        if (m == LANES) {
            for (int l = 0; l < LANES; l++) {
                out[4 * l + 0] = c0[l];
                out[4 * l + 1] = c1[l];
                out[4 * l + 2] = c2[l];
                out[4 * l + 3] = c3[l];
            }
        } else {
            for (uint64_t l = 0; l < m; l++) {
                out[4 * l + 0] = c0[l];
                out[4 * l + 1] = c1[l];
                out[4 * l + 2] = c2[l];
                out[4 * l + 3] = c3[l];
            }
        }
        b += m;
        n -= m;
        out += 4 * m;
    }
}
#endif

/* W(seed, 4*block + skip) ... W(seed, 4*block + skip + count - 1) into out; skip < 4
 * (the caller splits the start so that 64-bit blocks reach words past 2**64). */
void philox_words(uint64_t seed, uint64_t block, uint64_t skip, uint64_t count,
                  uint32_t *out)
{
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32), tmp[4];
    if (skip && count) { /* the rest of a partly used first block */
        uint64_t m = 4 - skip < count ? 4 - skip : count;
        philox_blocks(k0, k1, block, 1, tmp);
        memcpy(out, tmp + skip, m * sizeof(uint32_t));
        out += m;
        count -= m;
        block++;
    }
    philox_blocks(k0, k1, block, count / 4, out);
    if (count % 4) { /* a partly used last block */
        philox_blocks(k0, k1, block + count / 4, 1, tmp);
        memcpy(out + (count & ~(uint64_t)3), tmp, (count % 4) * sizeof(uint32_t));
    }
}

/* Row r of out (count words) = the words from starts[r]: the rows of a column block. */
void philox_runs(uint64_t seed, const uint64_t *starts, uint64_t nruns, uint64_t count,
                 uint32_t *out)
{
    for (uint64_t r = 0; r < nruns; r++)
        philox_words(seed, starts[r] / 4, starts[r] % 4, count, out + r * count);
}

/* As philox_runs, as the float32 uniforms (W >> 8) * 2**-24 of DESIGN §4.3 (NumPy's
 * Generator.random(dtype=float32) of the same words), converted in place. */
void philox_runs_unit_float32(uint64_t seed, const uint64_t *starts, uint64_t nruns,
                              uint64_t count, float *out)
{
    for (uint64_t r = 0; r < nruns; r++) {
        float *row = out + r * count;
        uint32_t *w = (uint32_t *)row; /* the same storage: words first, then values */
        philox_words(seed, starts[r] / 4, starts[r] % 4, count, w);
        for (uint64_t i = 0; i < count; i++) {
            uint32_t x;
            memcpy(&x, row + i, sizeof x);
            row[i] = (float)(x >> 8) * (1.0f / 16777216.0f);
        }
    }
}

/* ---- float32 Box–Muller (DESIGN §4.3) for runs of elements --------------------------
 * Element e of the array uses pair p = e / 2: words offset + 2p (u1) and + 2p + 1 (u2);
 * z_2p = r cos(theta), z_2p+1 = r sin(theta) with r = sqrt(-2 ln u1), theta = 2 pi u2.
 * The logarithm, cosine and sine stay NumPy's (its SIMD float32 versions round
 * differently from libm's, and the eager path uses them); these two functions do the
 * rest around them, with exactly NumPy's float32 operations, in fewer passes over
 * memory and with no Python between rows:
 *   normal_inputs_f32 - words to u1 and theta = k * (float32(2 pi) * 2**-24), pairs of
 *                       each run side by side (a run of odd start or end gets its
 *                       partial pair whole); normal_inputs_words_f32 from words given;
 *   normal_values_f32 - from ln u1, cos and sin of those pairs: r = sqrt(-2 ln u1), each
 *                       element's cos or sin times r (then * std + mean when asked) into
 *                       the rows of out.
 * Run r starts at element starts[r] and has `length` elements; its pairs are
 * starts[r] / 2 ... (starts[r] + length + 1) / 2 - 1. No FMA anywhere: -std=c99 (ISO C)
 * makes gcc's default -ffp-contract=off, the pragma tells clang, and each product and
 * sum is its own statement (mean + std * z rounds twice, as NumPy's two ufuncs do).
 * Measured on column blocks of randn (2000, 100_000) float32: see _cpu_random's
 * _normal_float32_runs. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#define TILE 1024 /* words drawn at a time (4 KiB on the stack, in L1) */

static uint64_t run_pairs(uint64_t start, uint64_t length)
{
    return ((start + length + 1) >> 1) - (start >> 1);
}

/* u1 and theta of the pairs (w[2p], w[2p + 1]), p < pairs: the words given (the small
 * path's runs of drawn words) or drawn by normal_inputs_f32 below. */
void normal_inputs_words_f32(const uint32_t *w, uint64_t pairs, float *u1, float *theta)
{
    const float scale = (float)6.283185307179586 * 0x1p-24f; /* exact: a power of two */
    for (uint64_t i = 0; i < pairs; i++) {
        /* k < 2**24 converts exactly (through int32, whose conversion vectorizes);
         * + 1 and the power-of-two scale are exact */
        float a = (float)(int32_t)(w[2 * i] >> 8), b = (float)(int32_t)(w[2 * i + 1] >> 8);
        a = a + 1.0f;
        u1[i] = a * 0x1p-24f;
        theta[i] = b * scale;
    }
}

/* Returns the pairs written. */
uint64_t normal_inputs_f32(uint64_t seed, uint64_t offset, const uint64_t *starts,
                           uint64_t nruns, uint64_t length, float *u1, float *theta)
{
    uint64_t total = 0;
    uint32_t w[TILE];
    for (uint64_t r = 0; r < nruns; r++) {
        uint64_t word = offset + 2 * (starts[r] >> 1), left = run_pairs(starts[r], length);
        total += left;
        while (left) {
            uint64_t m = left < TILE / 2 ? left : TILE / 2;
            philox_words(seed, word >> 2, word & 3, 2 * m, w);
            normal_inputs_words_f32(w, m, u1, theta);
            u1 += m; theta += m; word += 2 * m; left -= m;
        }
    }
    return total;
}

/* One value: cos-or-sin times r, then * std + mean when affine. */
static inline float scaled(float trig, float r, int affine, float mean, float std)
{
    float v = trig * r;
    if (affine) {
        v = v * std;
        v = v + mean;
    }
    return v;
}

static inline float radius(float log_u1)
{
    float t = log_u1 * -2.0f;
    return sqrtf(t); /* t >= 0 or -0.0: correctly rounded, as NumPy's sqrt */
}

void normal_values_f32(const uint64_t *starts, uint64_t nruns, uint64_t length,
                       const float *log_u1, const float *cosines, const float *sines,
                       int affine, float mean, float std, float *out)
{
    for (uint64_t r = 0; r < nruns; r++, out += length) {
        uint64_t i = 0, q = 0, pairs = run_pairs(starts[r], length);
        if (starts[r] & 1) { /* the run starts with its first pair's sine */
            out[0] = scaled(sines[0], radius(log_u1[0]), affine, mean, std);
            i = 1; q = 1;
        }
#if defined(__AVX2__)
        const __m256 m2 = _mm256_set1_ps(-2.0f), vm = _mm256_set1_ps(mean),
                     vs = _mm256_set1_ps(std);
        for (; i + 16 <= length; i += 16, q += 8) {
            __m256 rad = _mm256_sqrt_ps(_mm256_mul_ps(_mm256_loadu_ps(log_u1 + q), m2));
            __m256 c = _mm256_mul_ps(_mm256_loadu_ps(cosines + q), rad);
            __m256 s = _mm256_mul_ps(_mm256_loadu_ps(sines + q), rad);
            if (affine) { /* separate multiply and add: no FMA */
                c = _mm256_add_ps(_mm256_mul_ps(c, vs), vm);
                s = _mm256_add_ps(_mm256_mul_ps(s, vs), vm);
            }
            __m256 lo = _mm256_unpacklo_ps(c, s), hi = _mm256_unpackhi_ps(c, s);
            _mm256_storeu_ps(out + i, _mm256_permute2f128_ps(lo, hi, 0x20));
            _mm256_storeu_ps(out + i + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
        }
#endif
        for (; i + 2 <= length; i += 2, q++) {
            float rad = radius(log_u1[q]);
            out[i] = scaled(cosines[q], rad, affine, mean, std);
            out[i + 1] = scaled(sines[q], rad, affine, mean, std);
        }
        if (i < length) /* the run ends with its last pair's cosine */
            out[i] = scaled(cosines[q], radius(log_u1[q]), affine, mean, std);
        log_u1 += pairs; cosines += pairs; sines += pairs;
    }
}
