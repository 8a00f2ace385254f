/* The arithmetic of float32 Box-Muller (DESIGN §4.3) in plain C, compiled on first use
 * by tensorlite/random/_boxmuller.py and called through ctypes. The transcendental
 * functions stay NumPy's (np.log, np.cos, np.sin): NumPy picks its own SIMD versions per
 * CPU, whose last bits libm need not reproduce. Everything here is exact or one IEEE
 * operation (multiply, sqrt) that NumPy rounds identically, so the values are the NumPy
 * path's (tensorlite.random.distributions.normal) bit for bit; the loader checks that.
 *
 * Pair p of the words (w[2p], w[2p+1]) gives, with k = w >> 8:
 *
 *     bm_prepare:  u1[p]    = (k[2p] + 1) * 2**-24          (exact: k + 1 <= 2**24)
 *                  theta[p] = k[2p+1] * step                 (step = f32(2 pi) * 2**-24)
 *     NumPy:       l = log(u1), c = cos(theta), s = sin(theta)
 *     bm_finish:   r = sqrt(l * -2)
 *                  out[2p] = c r,  out[2p+1] = s r           (then * std, + mean)
 *
 * Speed (randn(32, 64) draws a whole run of 2**15 words at once): the NumPy version's
 * casts, strided gathers and scatters and in-place multiplies were about half of the
 * transform's ~175 us per run; these two loops vectorize (-march=native) and take a few.
 */
#include <stdint.h>
#include <math.h>
#if defined(__AVX__)
#include <immintrin.h>
#endif

/* Never fuse a multiply and an add: NumPy rounds each. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

/* u1 and theta of `pairs` word pairs. */
void bm_prepare(const uint32_t *w, uint64_t pairs, float step, float *u1, float *theta)
{
    for (uint64_t p = 0; p < pairs; p++) {
        /* k < 2**24: through int32, whose conversion to float vectorizes */
        float a = (float)(int32_t)(w[2 * p] >> 8);
        float b = (float)(int32_t)(w[2 * p + 1] >> 8);
        a = a + 1.0f;
        u1[p] = a * 0x1p-24f;
        theta[p] = b * step;
    }
}

/* n values from log(u1) `l`, cosines `c` and sines `s` (pairs = (n + 1) / 2 of each; the
 * last sine unused when n is odd) into out. c and s are overwritten (scaled in place);
 * out may overlap l (read before out is written) but not c or s. */
void bm_finish(const float *l, float *c, float *s, uint64_t n, int affine, float mean,
               float std, float *out)
{
    uint64_t pairs = (n + 1) / 2, p = 0;
#if defined(__AVX__)
    /* gcc keeps sqrtf scalar (a libm call for errno, which a negative argument would
     * set; l <= 0 here) unless built with -fno-math-errno: 8 at a time by hand. */
    const __m256 m2 = _mm256_set1_ps(-2.0f), vm = _mm256_set1_ps(mean),
                 vs = _mm256_set1_ps(std);
    for (; p + 8 <= pairs; p += 8) {
        __m256 r = _mm256_sqrt_ps(_mm256_mul_ps(_mm256_loadu_ps(l + p), m2));
        __m256 x = _mm256_mul_ps(_mm256_loadu_ps(c + p), r);
        __m256 y = _mm256_mul_ps(_mm256_loadu_ps(s + p), r);
        if (affine) {
            x = _mm256_add_ps(_mm256_mul_ps(x, vs), vm);
            y = _mm256_add_ps(_mm256_mul_ps(y, vs), vm);
        }
        _mm256_storeu_ps(c + p, x);
        _mm256_storeu_ps(s + p, y);
    }
#endif
    for (; p < pairs; p++) {
        float t = l[p] * -2.0f;
        float r = sqrtf(t);
        float x = c[p] * r, y = s[p] * r;
        if (affine) {
            x = x * std;
            x = x + mean;
            y = y * std;
            y = y + mean;
        }
        c[p] = x;
        s[p] = y;
    }
    for (p = 0; p < n / 2; p++) {
        out[2 * p] = c[p];
        out[2 * p + 1] = s[p];
    }
    if (n & 1)
        out[n - 1] = c[pairs - 1];
}
