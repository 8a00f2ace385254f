/* Full and row reductions of contiguous float32/float64 arrays in plain C, compiled on
 * first use by tensorlite/_backends/_cpu_reduce.py and called through ctypes (one call
 * per thread's piece; ctypes releases the GIL).
 *
 * Written so that gcc -O3 -march=native vectorizes every loop without -ffast-math:
 * LANES independent accumulators updated by an inner loop over the lanes (16 AVX2
 * registers' worth), which needs no reassociation of any one sum. Sixteen registers,
 * not four: four independent chains of vector additions wait on the adder's latency
 * (measured 0.14 ns/element on 1M float32 in cache, against 0.07 with sixteen and
 * PyTorch's 0.07 on one thread; AMD EPYC, gcc 14).
 *
 * Sums (sum_*, nansum_*, rowsum_*): the array is cut into CHUNK-element chunks; in a
 * chunk each of the LANES accumulators adds CHUNK / LANES elements in the input type
 * (16 for float32, 32 for float64), then the lanes are joined pairwise in double; the
 * chunk sums are added pairwise in double (a binary-counter stack: the tree of NumPy's
 * pairwise sum over the chunks). This is NumPy's pairwise summation (8 accumulators of 16 elements per
 * 128-element block, then a pairwise tree) with every level above the first 16
 * additions done in double: for float32 the error is that of 16 float32 additions,
 * whatever the length (NumPy's and PyTorch's cascade add ~log2(n) float32 levels). The
 * caller rounds the double result once.
 *
 * Extremes (minmax_*): min and max in one read; NaN wins, as in PyTorch (a separate
 * per-lane NaN flag, so the min/max loops stay plain compare-selects).
 *
 * Measured (AMD EPYC, 2 cores, gcc -O3 -march=native): see _cpu_reduce.py.
 */
#include <stdint.h>
#include <math.h>

#define CHUNK 2048

/* The pairwise sum of the chunk sums pushed so far (a binary counter: after pushing
 * chunk k, the stack holds the sums of the complete power-of-two groups of chunks). */
typedef struct {
    double part[64];
    int depth;
    uint64_t count;
} Pairwise;

static void push(Pairwise *p, double v)
{
    for (uint64_t k = p->count++; k & 1; k >>= 1)
        v = p->part[--p->depth] + v;
    p->part[p->depth++] = v;
}

static double total(const Pairwise *p)
{
    double s = 0.0;
    for (int d = p->depth - 1; d >= 0; d--)
        s = p->part[d] + s;
    return s;
}

/* SUMS(T, LANES, suffix): chunk_sum / chunk_nansum for input type T, and the exported
 * sum_suffix, nansum_suffix and rowsum_suffix (double results). A NaN
 * becomes 0 through a compare-select (x == x is false only for NaN), so nansum is the
 * same vector loop with one more blend. */
#define SUMS(T, LANES, sfx)                                                              \
    static double chunk_##sfx(const T *x, int64_t n, int skipnan)                        \
    {                                                                                    \
        T acc[LANES] = {0};                                                              \
        int64_t i = 0;                                                                   \
        if (skipnan) {                                                                   \
            for (; i + LANES <= n; i += LANES)                                           \
                for (int l = 0; l < LANES; l++)                                          \
                    acc[l] += x[i + l] == x[i + l] ? x[i + l] : (T)0;                    \
        } else {                                                                         \
            for (; i + LANES <= n; i += LANES)                                           \
                for (int l = 0; l < LANES; l++)                                          \
                    acc[l] += x[i + l];                                                  \
        }                                                                                \
        double d[LANES];                                                                 \
        for (int l = 0; l < LANES; l++)                                                  \
            d[l] = acc[l];                                                               \
        for (int w = LANES / 2; w; w /= 2)                                               \
            for (int l = 0; l < w; l++)                                                  \
                d[l] += d[l + w];                                                        \
        double tail = 0.0;                                                               \
        for (; i < n; i++)                                                               \
            if (!skipnan || x[i] == x[i])                                                \
                tail += x[i];                                                            \
        return d[0] + tail;                                                              \
    }                                                                                    \
                                                                                         \
    static double pairwise_##sfx(const T *x, int64_t n, int skipnan)                     \
    {                                                                                    \
        Pairwise p = {{0}, 0, 0};                                                        \
        for (int64_t i = 0; i < n; i += CHUNK)                                           \
            push(&p, chunk_##sfx(x + i, n - i < CHUNK ? n - i : CHUNK, skipnan));        \
        return total(&p);                                                                \
    }                                                                                    \
                                                                                         \
    double sum_##sfx(const T *x, int64_t n) { return pairwise_##sfx(x, n, 0); }          \
    double nansum_##sfx(const T *x, int64_t n) { return pairwise_##sfx(x, n, 1); }       \
                                                                                         \
    /* out[r] = the sum of row r of the C-contiguous (rows, cols) array x. */            \
    void rowsum_##sfx(const T *x, int64_t rows, int64_t cols, double *out)               \
    {                                                                                    \
        for (int64_t r = 0; r < rows; r++)                                               \
            out[r] = pairwise_##sfx(x + r * cols, cols, 0);                              \
    }

SUMS(float, 128, f32)
SUMS(double, 64, f64)

/* out[0] = min, out[1] = max of x[0 .. n-1] (n >= 1); NaN if any element is NaN. */
#define MINMAX(T, LANES, sfx)                                                            \
    void minmax_##sfx(const T *x, int64_t n, T *out)                                     \
    {                                                                                    \
        T lo[LANES], hi[LANES];                                                          \
        int32_t nan[LANES];                                                              \
        for (int l = 0; l < LANES; l++) {                                                \
            lo[l] = hi[l] = x[0];                                                        \
            nan[l] = 0;                                                                  \
        }                                                                                \
        int64_t i = 0;                                                                   \
        for (; i + LANES <= n; i += LANES)                                               \
            for (int l = 0; l < LANES; l++) {                                            \
                T v = x[i + l];                                                          \
                lo[l] = v < lo[l] ? v : lo[l];                                           \
                hi[l] = v > hi[l] ? v : hi[l];                                           \
                nan[l] |= v != v;                                                        \
            }                                                                            \
        T a = lo[0], b = hi[0];                                                          \
        int32_t bad = 0;                                                                 \
        for (int l = 0; l < LANES; l++) {                                                \
            a = lo[l] < a ? lo[l] : a;                                                   \
            b = hi[l] > b ? hi[l] : b;                                                   \
            bad |= nan[l];                                                               \
        }                                                                                \
        for (; i < n; i++) {                                                             \
            a = x[i] < a ? x[i] : a;                                                     \
            b = x[i] > b ? x[i] : b;                                                     \
            bad |= x[i] != x[i];                                                         \
        }                                                                                \
        out[0] = bad ? (T)NAN : a;                                                       \
        out[1] = bad ? (T)NAN : b;                                                       \
    }

MINMAX(float, 32, f32)
MINMAX(double, 16, f64)
