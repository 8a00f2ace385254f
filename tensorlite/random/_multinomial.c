/* multinomial's per-row work in plain C (DESIGN §4.3), compiled on first use by
 * tensorlite/random/_multinomial_native.py and called through ctypes. The NumPy code
 * of tensorlite.random.distributions.multinomial computes the same values; the
 * loader's self-check compares the two.
 *
 * Weights are C-contiguous rows of `categories` float32 (f64 == 0) or float64 values,
 * finite, non-negative, each row with a positive maximum (checked before any word is
 * drawn). Words are the call's stream words, uint32.
 *
 * Speed (profiled on 64 rows x 1000 weights, 5 samples, against PyTorch's ~130 µs):
 * with replacement, NumPy spent ~100 µs quantizing to int64 and forming the uint64
 * prefix sums in separate passes, and as much again in the dozen calls around them;
 * here one pass per row quantizes and sums 16-weight blocks into an L1-sized scratch
 * row, then each sample is a binary search over the block ends and a short scan
 * (~45 µs of CPU for the call, most of it the float-to-integer conversions). Without
 * replacement, NumPy took a log of every weight (~7 ns each: NumPy's float64 log is
 * libm's without AVX-512) and a partition; here a vectorized bound rules out nearly
 * every category before its log (mn_candidates).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Weights per block: the search finds a sample's block from the block sums, then its
 * category inside the block. */
#define FAN 16

static inline double weight(const void *probs, int64_t f64, int64_t i)
{
    return f64 ? ((const double *)probs)[i] : (double)((const float *)probs)[i];
}

/* floor(w * 2**shift) for a weight w >= 0 whose result is below 2**63: multiplying by
 * scale = 2**shift (a normal double) is exact (a result below 2**-1022 may round, but
 * floors to 0 either way), and the conversion truncates, which is the floor of a
 * non-negative value. scale is 0 where 2**shift is not a normal double (float64 rows
 * of tiny weights): ldexp then, exact likewise. */
static inline uint64_t quantize(double w, double scale, int shift)
{
    return (uint64_t)(int64_t)(scale != 0.0 ? w * scale : ldexp(w, shift));
}

/* The row's shift Q - e (DESIGN §4.3): e is the binary exponent of the row maximum
 * (frexp), Q = 63 - ceil(log2 C). Non-negative finite floats order as their bits, so
 * the maximum is an integer maximum (vectorized, unlike a float one), once the sign
 * bit of a -0.0 weight (allowed: it is >= 0) is cleared. */
static int row_shift(const void *probs, int64_t f64, int64_t first, int64_t categories)
{
    double top;
    if (f64) {
        const uint64_t *p = (const uint64_t *)probs + first;
        uint64_t t = 0;
        for (int64_t c = 0; c < categories; c++) {
            uint64_t b = p[c] & 0x7FFFFFFFFFFFFFFFu;
            t = b > t ? b : t;
        }
        memcpy(&top, &t, 8);
    } else {
        const uint32_t *p = (const uint32_t *)probs + first;
        uint32_t t = 0;
        float f;
        for (int64_t c = 0; c < categories; c++) {
            uint32_t b = p[c] & 0x7FFFFFFFu;
            t = b > t ? b : t;
        }
        memcpy(&f, &t, 4);
        top = f;
    }
    int e, bits = 0;
    frexp(top, &e);
    while (bits < 64 && ((uint64_t)1 << bits) < (uint64_t)categories)
        bits++; /* ceil(log2 C) */
    return 63 - bits - e;
}

/* The weights' problem, as the NumPy check names it (_common.weight_problem): 1 where a
 * weight is negative, infinite or nan, else 2 where a row has no positive weight, else
 * 0. On the bits: a weight is fine when its bits are at most those of -0.0 (a
 * non-negative weight's bits, or -0.0's) and, sign cleared, below those of +inf. One
 * pass of two integer maxima per row (vectorized), in place of NumPy's four reductions
 * (profiled: ~30 µs of a 64 x 1000 call). */
int64_t mn_check(const void *probs, int64_t f64, int64_t rows, int64_t categories)
{
    int64_t empty = 0;
    for (int64_t r = 0; r < rows; r++) {
        int bad, zero;
        if (f64) {
            const uint64_t *p = (const uint64_t *)probs + r * categories;
            uint64_t all = 0, mag = 0;
            for (int64_t c = 0; c < categories; c++) {
                uint64_t m = p[c] & 0x7FFFFFFFFFFFFFFFu;
                all = p[c] > all ? p[c] : all;
                mag = m > mag ? m : mag;
            }
            bad = all > 0x8000000000000000u || mag >= 0x7FF0000000000000u;
            zero = mag == 0;
        } else {
            const uint32_t *p = (const uint32_t *)probs + r * categories;
            uint32_t all = 0, mag = 0;
            for (int64_t c = 0; c < categories; c++) {
                uint32_t m = p[c] & 0x7FFFFFFFu;
                all = p[c] > all ? p[c] : all;
                mag = m > mag ? m : mag;
            }
            bad = all > 0x80000000u || mag >= 0x7F800000u;
            zero = mag == 0;
        }
        if (bad)
            return 1;
        empty |= zero;
    }
    return empty ? 2 : 0;
}

/* q of the row's weights into q[0 .. 16B - 1] (padded with zeros to whole blocks) and
 * the running sums at the end of each block into ends[0 .. B - 1]. Speed (measured, 64
 * rows x 1000 float32 weights, CPU time): a full serial prefix sum costs ~0.7 ns a
 * weight here, block sums beside the conversion ~0.4; quantizing on the weights' bits
 * with AVX2's per-lane shifts (vectorized, no conversion) was slower still, ~1 ns. */
static uint64_t quantize_row(const void *probs, int64_t f64, int64_t first, int64_t categories,
                             int shift, uint64_t *q, uint64_t *ends)
{
    double scale = (shift >= -1022 && shift <= 1023) ? ldexp(1.0, shift) : 0.0;
    int64_t blocks = (categories + FAN - 1) / FAN;
    uint64_t total = 0;
    for (int64_t b = 0; b < blocks; b++) {
        int64_t c0 = b * FAN;
        uint64_t s = 0;
        if (c0 + FAN > categories) { /* the last, partial block: padded with zeros */
            for (int i = 0; i < FAN; i++) {
                uint64_t x = c0 + i < categories ? quantize(weight(probs, f64, first + c0 + i),
                                                            scale, shift) : 0;
                q[c0 + i] = x;
                s += x;
            }
        } else if (f64) {
            const double *p = (const double *)probs + first + c0;
            for (int i = 0; i < FAN; i++) {
                uint64_t x = quantize(p[i], scale, shift);
                q[c0 + i] = x;
                s += x;
            }
        } else {
            const float *p = (const float *)probs + first + c0;
            for (int i = 0; i < FAN; i++) {
                uint64_t x = quantize((double)p[i], scale, shift);
                q[c0 + i] = x;
                s += x;
            }
        }
        ends[b] = total += s;
    }
    return total;
}

static inline uint64_t mulhi64(uint64_t x, uint64_t y)
{
#if defined(__SIZEOF_INT128__)
    return (uint64_t)(((unsigned __int128)x * y) >> 64);
#else
    uint64_t xl = x & 0xFFFFFFFFu, xh = x >> 32, yl = y & 0xFFFFFFFFu, yh = y >> 32;
    uint64_t cross = xh * yl, mid = ((xl * yl) >> 32) + (cross & 0xFFFFFFFFu) + xl * yh;
    return xh * yh + (cross >> 32) + (mid >> 32);
#endif
}

/* With replacement: `samples` samples of each of `rows` rows. Sample j of row r uses
 * words[2 * (r * samples + j)], +1 (high word first): target t = mulhi64(x, S_last),
 * result the first c with S_c > t, into out[r * out_stride + j]. Scratch: q (16B
 * uint64) and ends (B uint64), B = ceil(C / 16). */
void mn_with_replacement(const void *probs, int64_t f64, int64_t rows, int64_t categories,
                         int64_t samples, const uint32_t *words, int64_t *out,
                         int64_t out_stride, uint64_t *q, uint64_t *ends)
{
    int64_t blocks = (categories + FAN - 1) / FAN;
    for (int64_t r = 0; r < rows; r++) {
        int64_t first = r * categories;
        int shift = row_shift(probs, f64, first, categories);
        uint64_t total = quantize_row(probs, f64, first, categories, shift, q, ends);
        const uint32_t *w = words + 2 * r * samples;
        for (int64_t j = 0; j < samples; j++) {
            uint64_t x = ((uint64_t)w[2 * j] << 32) | w[2 * j + 1];
            uint64_t t = mulhi64(x, total); /* < total: some S_c exceeds it */
            int64_t lo = 0, hi = blocks - 1; /* the first block ending above t */
            while (lo < hi) {
                int64_t mid = lo + (hi - lo) / 2;
                if (ends[mid] > t)
                    hi = mid;
                else
                    lo = mid + 1;
            }
            uint64_t s = lo ? ends[lo - 1] : 0;
            int64_t c = lo * FAN;
            while ((s += q[c]) <= t) /* ends[lo] > t: stops inside the block */
                c++;
            out[r * out_stride + j] = c;
        }
    }
}


/* Categories given the quick test at a time (against the T of the span's start). */
#define SPAN 32

/* flags[i] = 0 where the quick test of mn_candidates rules category i of a span out:
 * its high word hi = w[2i] and weight p[i] give 2**32 - 1 - hi > tm * p[i] (NaN, from
 * inf * 0, rules nothing out). 2**32 - 1 - hi is made exactly from a signed conversion,
 * which AVX2 has: the loop vectorizes (a span is whole vectors; restrict: flags
 * aliases neither input). */
static void quick_flags(const uint32_t *restrict w, const void *restrict probs, int64_t f64,
                        double tm, uint8_t *restrict flags)
{
    if (f64) {
        const double *restrict p = (const double *)probs;
        for (int i = 0; i < SPAN; i++)
            flags[i] = !((double)(int32_t)(w[2 * i] ^ 0x7FFFFFFFu) + 0x1p31 > tm * p[i]);
    } else {
        const float *restrict p = (const float *)probs;
        for (int i = 0; i < SPAN; i++)
            flags[i] = !((double)(int32_t)(w[2 * i] ^ 0x7FFFFFFFu) + 0x1p31 > tm * (double)p[i]);
    }
}

/* Without replacement: the candidates for each row's n smallest keys
 * K_c = ln(u_c) / -p_c (u_c = ((x >> 11) + 1) * 2**-53 from words 2(r*C + c), +1;
 * K_c = +inf where p_c = 0), found without computing most keys.
 *
 * Every key lies in [lo_c, hi_c], bounds from libm's log widened by 2**-20 (relative):
 * far more than any log's error. With T the n-th smallest hi_c, at least n keys are
 * <= T, so a category with K_c > T is not among the n smallest, ties included: the
 * categories with lo_c <= T (at least n) hold the answer, and their exact keys --
 * NumPy's log, as the NumPy path -- order them. Most categories are ruled out before
 * any log: -ln(u) >= 1 - u >= (2**32 - 1 - hi) * 2**-32 (hi the high word), so
 * K_c > T once that exceeds T * p_c (with a 2**-30 margin for rounding); T only
 * decreases along the row. That test runs SPAN categories at a time, vectorized, and
 * only a span where some category passes it is looked at one by one.
 *
 * For row r: count[r] = its number of candidates, and unless that is above cap (ties
 * on +inf: fewer positive weights than samples; the caller takes another path for such
 * a row) the candidates, in index order, after the previous rows' in index[] and their
 * u in u_out[]. Returns the number written, or -1 - that number when some row had more
 * than cap. Scratch: best (n doubles), pending_c (C int64), pending_lo, pending_u (C
 * doubles). */
int64_t mn_candidates(const void *probs, int64_t f64, int64_t rows, int64_t categories,
                      int64_t n, const uint32_t *words, int64_t cap, int64_t *count,
                      int64_t *index, double *u_out, double *best, int64_t *pending_c,
                      double *pending_lo, double *pending_u)
{
    const double wide = 0x1p-20, margin = (1.0 + 0x1p-30) * 0x1p32;
    int64_t written = 0, over = 0;
    for (int64_t r = 0; r < rows; r++) {
        const uint32_t *w = words + 2 * r * categories;
        int64_t row = r * categories;
        double t = INFINITY, tm = INFINITY; /* T, and T * 2**32 widened for the quick test */
        int64_t filled = 0, pending = 0;
        for (int64_t a = 0; a < categories; a += SPAN) {
            int64_t b = a + SPAN < categories ? a + SPAN : categories;
            uint64_t flags[SPAN / 8]; /* a byte per category, eight to a word */
            if (b - a == SPAN)
                quick_flags(w + 2 * a, (const char *)probs + (row + a) * (f64 ? 8 : 4), f64, tm,
                            (uint8_t *)flags);
            else { /* a short last span: every category to the full test */
                memset(flags, 0, sizeof flags);
                memset(flags, 1, (size_t)(b - a));
            }
            for (int64_t g = 0; g < (b - a + 7) / 8; g++)
            for (uint64_t left = flags[g]; left; left &= left - 1) { /* flags are 0 or 1 */
                int64_t c = a + 8 * g + __builtin_ctzll(left) / 8; /* the next flagged one */
                double p = weight(probs, f64, row + c);
                double u = (double)w[2 * c] * 0x1p-32 +
                           (double)((w[2 * c + 1] >> 11) + 1) * 0x1p-53;
                double lo, hi;
                if (p == 0.0) {
                    lo = hi = INFINITY;
                } else {
                    if ((double)(uint32_t)~w[2 * c] > tm * p)
                        continue;
                    double k = -log(u) / p;
                    lo = k * (1.0 - wide);
                    hi = k * (1.0 + wide);
                }
                if (lo > t)
                    continue;
                pending_c[pending] = c;
                pending_lo[pending] = lo;
                pending_u[pending] = u;
                pending++;
                /* best: a max-heap of the n smallest hi so far (speed: a sorted array
                 * shifted ~n/2 values an insertion, a third of the time at n = 64) */
                if (filled < n) {
                    int64_t i = filled++;
                    while (i > 0 && best[(i - 1) / 2] < hi) {
                        best[i] = best[(i - 1) / 2];
                        i = (i - 1) / 2;
                    }
                    best[i] = hi;
                    if (filled < n)
                        continue;
                } else if (hi < best[0]) {
                    int64_t i = 0;
                    for (;;) {
                        int64_t m = 2 * i + 1;
                        if (m >= n)
                            break;
                        if (m + 1 < n && best[m + 1] > best[m])
                            m++;
                        if (best[m] <= hi)
                            break;
                        best[i] = best[m];
                        i = m;
                    }
                    best[i] = hi;
                } else {
                    continue;
                }
                t = best[0];
                tm = t * margin;
            }
        }
        int64_t k = 0;
        for (int64_t i = 0; i < pending; i++) {
            if (pending_lo[i] > t)
                continue;
            if (k < cap) {
                index[written + k] = pending_c[i];
                u_out[written + k] = pending_u[i];
            }
            k++;
        }
        count[r] = k;
        if (k > cap)
            over = 1;
        else
            written += k;
    }
    return over ? -1 - written : written;
}

/* Without replacement, the rest: each row's candidates from mn_candidates (count,
 * index, and logs[i] = NumPy's ln(u) of each) get their exact keys K = ln(u) / -p
 * (+inf where p = 0; IEEE division, as NumPy's), are ordered by (K, index) -- an
 * insertion sort that keeps index order among equal keys, of a few per row -- and the
 * first n go to out[r * out_stride + j]. Rows with count above cap are left alone.
 * Scratch: keys, order (cap each). */
void mn_take(const void *probs, int64_t f64, int64_t rows, int64_t categories, int64_t n,
             const int64_t *count, int64_t cap, const int64_t *index, const double *logs,
             int64_t *out, int64_t out_stride, double *keys, int64_t *order)
{
    int64_t at = 0;
    for (int64_t r = 0; r < rows; r++) {
        int64_t k = count[r];
        if (k > cap)
            continue;
        for (int64_t i = 0; i < k; i++) {
            int64_t c = index[at + i];
            double p = weight(probs, f64, r * categories + c);
            double key = p == 0.0 ? INFINITY : logs[at + i] / -p;
            int64_t j = i;
            while (j > 0 && keys[j - 1] > key) {
                keys[j] = keys[j - 1];
                order[j] = order[j - 1];
                j--;
            }
            keys[j] = key;
            order[j] = c;
        }
        for (int64_t j = 0; j < n; j++)
            out[r * out_stride + j] = order[j];
        at += k;
    }
}
