// kernels/philox.cuh — tensorlite's random stream and its bits-to-values
// transforms, shared by every kernel in random.cu (DESIGN.md §4, §5).
//
// The stream: word j of the stream for `seed` is
//
//     W(seed, j) = Philox4x32-10(counter = j / 4, key = seed)[j % 4]
//
// with counter words (j/4 low 32 bits, j/4 high 32 bits, 0, 0) and key words
// (seed low, seed high). That is exactly what curand() returns after
// curand_init(seed, 0, j, &philox_state); we call cuRAND's block function
// directly instead, because including only curand_philox4x32_x.h compiles in
// milliseconds, while curand_kernel.h drags in ~1 MB of precomputed tables.
//
// Work split: one thread evaluates one Philox block (4 words) and turns it
// into every element those 4 words feed — 4 elements for one-word transforms
// (float32 uniforms, one-word randint, bernoulli, float32 normal pairs), 2 for
// two-word ones (float64, two-word randint, randperm and multinomial keys).
// Group g covers elements [g*K, g*K + K) and Philox block offset/4 + g. The
// block is derived from the *element* index, never from the thread index, so
// the output does not depend on grid or block size. This requires the word
// offset to be a multiple of 4, which the Generator guarantees (it always
// advances by 4 * ceil(K / 4), DESIGN §4.2); the Python launcher checks it.
//
// Everything here except the grid-stride loop is __host__ __device__, so the
// host harness tests/kernel_host_check.cu runs the very same code on the CPU
// (cuRAND's block function included: its multiply has a host branch).
//
// Floating-point rules: all arithmetic that must round like NumPy uses the
// explicit round-to-nearest intrinsics (__fadd_rn, __fmul_rn, ...), which the
// compiler never contracts into FMAs; the module is also compiled with
// --fmad=false (DESIGN §4.4), so this holds twice over.

#pragma once

#if !defined(__CUDACC_RTC__)
#include <cstring>  // memcpy for the host build; NVRTC provides it implicitly
#endif

// cuRAND marks its Philox functions `static __forceinline__ __device__` unless
// QUALIFIERS is already defined. Making them __host__ __device__ lets the host
// harness call the genuine cuRAND block function (mulhilo32 has a host path).
#if !defined(QUALIFIERS)
#define QUALIFIERS static __forceinline__ __host__ __device__
#define TL_DEFINED_CURAND_QUALIFIERS
#endif
#include <curand_philox4x32_x.h>
#if defined(TL_DEFINED_CURAND_QUALIFIERS)
#undef QUALIFIERS
#undef TL_DEFINED_CURAND_QUALIFIERS
#endif

#include <cuda_fp16.h>
#include <cuda_bf16.h>

#define TL_HD __host__ __device__ __forceinline__

namespace tl {

typedef unsigned int u32;
typedef unsigned long long u64;
typedef long long i64;

// ---------------------------------------------------------------------------
// The stream (DESIGN §4.1)
// ---------------------------------------------------------------------------

// Words 4*block .. 4*block+3 of the stream for `seed`, as (x, y, z, w).
TL_HD uint4 philox_block(u64 seed, u64 block) {
    uint4 counter = make_uint4((u32)block, (u32)(block >> 32), 0u, 0u);
    uint2 key = make_uint2((u32)seed, (u32)(seed >> 32));
    return curand_Philox4x32_10(counter, key);
}

// W(seed, j): one word of the stream (reference form; kernels use whole blocks).
TL_HD u32 stream_word(u64 seed, u64 j) {
    uint4 b = philox_block(seed, j / 4);
    switch (j % 4) {
        case 0: return b.x;
        case 1: return b.y;
        case 2: return b.z;
        default: return b.w;
    }
}

// Two words make one 64-bit value, the earlier word being the high half.
TL_HD u64 join64(u32 hi, u32 lo) { return ((u64)hi << 32) | (u64)lo; }

// High 64 bits of the 128-bit product a*b.
TL_HD u64 mulhi64(u64 a, u64 b) {
#if defined(__CUDA_ARCH__)
    return __umul64hi(a, b);
#else
    return (u64)(((unsigned __int128)a * (unsigned __int128)b) >> 64);
#endif
}

// ---------------------------------------------------------------------------
// Exactly rounded float32/float64 arithmetic: never fused into an FMA, and
// never flushing float32 subnormals to zero.
//
// CuPy appends -ftz=true to every NVRTC compile (after our options, so it
// wins), which turns float32 add/mul/compare/widen into their .ftz forms.
// NumPy keeps subnormals, so on the device the float32 operations whose
// results must match NumPy bit for bit are inline PTX without .ftz, which no
// compiler flag changes. (The fp16/bf16 conversion intrinsics are inline PTX
// already; float64 has no ftz mode.) Transcendentals (logf, sinf, ...) still
// follow the flag: their results are only promised within tolerance.
// ---------------------------------------------------------------------------

TL_HD float add_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
    float r;
    asm("add.rn.f32 %0, %1, %2;" : "=f"(r) : "f"(a), "f"(b));
    return r;
#else
    return a + b;
#endif
}
TL_HD float sub_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
    float r;
    asm("sub.rn.f32 %0, %1, %2;" : "=f"(r) : "f"(a), "f"(b));
    return r;
#else
    return a - b;
#endif
}
TL_HD float mul_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
    float r;
    asm("mul.rn.f32 %0, %1, %2;" : "=f"(r) : "f"(a), "f"(b));
    return r;
#else
    return a * b;
#endif
}
TL_HD float div_rn(float a, float b) {
#if defined(__CUDA_ARCH__)
    float r;
    asm("div.rn.f32 %0, %1, %2;" : "=f"(r) : "f"(a), "f"(b));
    return r;
#else
    return a / b;
#endif
}
TL_HD double add_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
    return __dadd_rn(a, b);
#else
    return a + b;
#endif
}
TL_HD double sub_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
    return __dsub_rn(a, b);
#else
    return a - b;
#endif
}
TL_HD double mul_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
    return __dmul_rn(a, b);
#else
    return a * b;
#endif
}
TL_HD double div_rn(double a, double b) {
#if defined(__CUDA_ARCH__)
    return __ddiv_rn(a, b);
#else
    return a / b;
#endif
}

// a >= b and a < b, subnormals compared as they are.
TL_HD bool ge_(float a, float b) {
#if defined(__CUDA_ARCH__)
    unsigned int r;
    asm("{\n\t.reg .pred p;\n\tsetp.ge.f32 p, %1, %2;\n\tselp.u32 %0, 1, 0, p;\n\t}"
        : "=r"(r) : "f"(a), "f"(b));
    return r != 0;
#else
    return a >= b;
#endif
}
TL_HD bool lt_(float a, float b) {
#if defined(__CUDA_ARCH__)
    unsigned int r;
    asm("{\n\t.reg .pred p;\n\tsetp.lt.f32 p, %1, %2;\n\tselp.u32 %0, 1, 0, p;\n\t}"
        : "=r"(r) : "f"(a), "f"(b));
    return r != 0;
#else
    return a < b;
#endif
}
TL_HD bool ge_(double a, double b) { return a >= b; }
TL_HD bool lt_(double a, double b) { return a < b; }

// float32 -> float64, exact for subnormals too.
TL_HD double widen(float x) {
#if defined(__CUDA_ARCH__)
    double r;
    asm("cvt.f64.f32 %0, %1;" : "=d"(r) : "f"(x));
    return r;
#else
    return (double)x;
#endif
}

// Transcendentals: CUDA's accurate (non-intrinsic) versions on the device,
// libm on the host. They differ in the last bits, which is why DESIGN §4.4
// promises normal/exponential values only within tolerance.
TL_HD float log_(float x) { return logf(x); }
TL_HD double log_(double x) { return log(x); }
TL_HD float sqrt_(float x) { return sqrtf(x); }
TL_HD double sqrt_(double x) { return sqrt(x); }
TL_HD float sin_(float x) { return sinf(x); }
TL_HD double sin_(double x) { return sin(x); }
TL_HD float cos_(float x) { return cosf(x); }
TL_HD double cos_(double x) { return cos(x); }

template <class To, class From>
TL_HD To bit_cast_(const From& v) {
    static_assert(sizeof(To) == sizeof(From), "bit_cast_ needs equal sizes");
    To r;
    memcpy(&r, &v, sizeof(To));
    return r;
}

TL_HD double inf64() { return bit_cast_<double>(0x7ff0000000000000ULL); }

// The largest value strictly below the float whose bits are `b` (`sign` is
// the sign-bit mask): used for "a uniform that rounds up to high is replaced
// by the largest value below high". Not needed for NaN or -inf.
template <class U>
TL_HD U below_bits(U b, U sign) {
    if ((U)(b & (U)~sign) == 0) return (U)(sign | 1u);  // +-0 -> -smallest subnormal
    return (b & sign) ? (U)(b + 1u) : (U)(b - 1u);
}

// ---------------------------------------------------------------------------
// Output dtypes. Num<T> converts the compute type to T with one
// round-to-nearest-even step; C is the precision transforms compute in
// (float32 for float16/bfloat16/float32, float64 for float64, DESIGN §4.3).
// ---------------------------------------------------------------------------

template <class T> struct Num;

template <> struct Num<float> {
    typedef float C;
    TL_HD static float from_c(float v) { return v; }
    TL_HD static float to_c(float v) { return v; }
    TL_HD static float from_i64(i64 v) { return (float)v; }
    TL_HD static double to_f64(float v) { return widen(v); }
    TL_HD static float below(float v) {
        return bit_cast_<float>(below_bits<u32>(bit_cast_<u32>(v), 0x80000000u));
    }
};

template <> struct Num<double> {
    typedef double C;
    TL_HD static double from_c(double v) { return v; }
    TL_HD static double to_c(double v) { return v; }
    TL_HD static double from_i64(i64 v) { return (double)v; }
    TL_HD static double to_f64(double v) { return v; }
    TL_HD static double below(double v) {
        return bit_cast_<double>(below_bits<u64>(bit_cast_<u64>(v), 0x8000000000000000ULL));
    }
};

template <> struct Num<__half> {
    typedef float C;
    TL_HD static __half from_c(float v) { return __float2half_rn(v); }
    TL_HD static float to_c(__half v) { return __half2float(v); }
    // Integers go through float32 (exact below 2**24; anything larger is
    // inf in float16 either way), as NumPy's int64 -> float16 cast does.
    TL_HD static __half from_i64(i64 v) { return __float2half_rn((float)v); }
    TL_HD static double to_f64(__half v) { return widen(__half2float(v)); }
    TL_HD static __half below(__half v) {
        return bit_cast_<__half>(
            below_bits<unsigned short>(bit_cast_<unsigned short>(v), (unsigned short)0x8000u));
    }
};

template <> struct Num<__nv_bfloat16> {
    typedef float C;
    TL_HD static __nv_bfloat16 from_c(float v) { return __float2bfloat16_rn(v); }
    TL_HD static float to_c(__nv_bfloat16 v) { return __bfloat162float(v); }
    // Through float32, as ml_dtypes' int64 -> bfloat16 cast does.
    TL_HD static __nv_bfloat16 from_i64(i64 v) { return __float2bfloat16_rn((float)v); }
    TL_HD static double to_f64(__nv_bfloat16 v) { return widen(__bfloat162float(v)); }
    TL_HD static __nv_bfloat16 below(__nv_bfloat16 v) {
        return bit_cast_<__nv_bfloat16>(
            below_bits<unsigned short>(bit_cast_<unsigned short>(v), (unsigned short)0x8000u));
    }
};

// Integer and bool outputs only receive integers (randint, bernoulli): the
// cast wraps modulo 2**bits like NumPy's astype; bool is `value != 0`.
template <class T> struct IntNum {
    TL_HD static T from_i64(i64 v) { return (T)(u64)v; }
};
template <> struct Num<signed char> : IntNum<signed char> {};
template <> struct Num<unsigned char> : IntNum<unsigned char> {};
template <> struct Num<short> : IntNum<short> {};
template <> struct Num<int> : IntNum<int> {};
template <> struct Num<long long> : IntNum<long long> {};
template <> struct Num<unsigned long long> : IntNum<unsigned long long> {};
template <> struct Num<bool> {
    TL_HD static bool from_i64(i64 v) { return v != 0; }
};

// ---------------------------------------------------------------------------
// Bits to uniforms (DESIGN §4.3). All are exact: the integer has at most
// 24 (float32) or 53 (float64) significant bits and the scale is a power of 2.
// ---------------------------------------------------------------------------

// [0, 1) with the output dtype's mantissa width: float32 24 bits, float16 11,
// bfloat16 8 (so that u is exactly representable in the output dtype).
template <class T> struct UniformBits;
template <> struct UniformBits<float> {
    TL_HD static float u(u32 w) { return mul_rn((float)(w >> 8), 0x1p-24f); }
};
template <> struct UniformBits<__half> {
    TL_HD static float u(u32 w) { return mul_rn((float)(w >> 21), 0x1p-11f); }
};
template <> struct UniformBits<__nv_bfloat16> {
    TL_HD static float u(u32 w) { return mul_rn((float)(w >> 24), 0x1p-8f); }
};

TL_HD float u24_open0(u32 w) { return mul_rn((float)(w >> 8), 0x1p-24f); }          // [0, 1)
TL_HD float u24_open1(u32 w) { return mul_rn((float)((w >> 8) + 1u), 0x1p-24f); }   // (0, 1]
TL_HD double u53_open0(u64 x) { return mul_rn((double)(x >> 11), 0x1p-53); }         // [0, 1)
TL_HD double u53_open1(u64 x) { return mul_rn((double)((x >> 11) + 1ULL), 0x1p-53); } // (0, 1]

// ---------------------------------------------------------------------------
// Per-element transforms
// ---------------------------------------------------------------------------

// uniform_(low, high): v = low + (high - low) * u in C, rounded once to T. A
// result that is not below high (high as given in C; for float16/bfloat16
// outputs a T value is compared after widening to float32) becomes the
// largest T value below high, so values lie in [low, high). That value is
// high rounded to T when that rounding went down, else one step below it.
// With low == high every value is low (nothing is replaced), as in PyTorch
// and tensorlite.random.distributions.uniform.
template <class T>
struct UniformMap {
    typedef typename Num<T>::C C;
    C low, span, high;
    T largest_below;
    TL_HD static T largest_below_of(C high_) {
        T r = Num<T>::from_c(high_);
        return lt_(Num<T>::to_c(r), high_) ? r : Num<T>::below(r);
    }
    TL_HD UniformMap(C low_, C high_)
        : low(low_), span(sub_rn(high_, low_)), high(high_),
          largest_below(largest_below_of(high_)) {}
    TL_HD T operator()(C u) const {
        T v = Num<T>::from_c(add_rn(low, mul_rn(span, u)));
        return (lt_((C)0, span) && ge_(Num<T>::to_c(v), high)) ? largest_below : v;
    }
};

// Box–Muller on (u1 in (0, 1], u2 in [0, 1)): z0 = r cos t, z1 = r sin t with
// r = sqrt(-2 ln u1), t = 2 pi u2.
template <class C> struct TwoPi;
template <> struct TwoPi<float> { TL_HD static float v() { return 6.28318548202514648f; } };
template <> struct TwoPi<double> { TL_HD static double v() { return 6.283185307179586232; } };

template <class C>
TL_HD void box_muller(C u1, C u2, C& z0, C& z1) {
    C r = sqrt_(mul_rn((C)-2, log_(u1)));
    C t = mul_rn(TwoPi<C>::v(), u2);
    z0 = mul_rn(r, cos_(t));
    z1 = mul_rn(r, sin_(t));
}

// -ln(u) / lambd for u in (0, 1].
template <class C>
TL_HD C exponential_of(C u, C lambd) { return div_rn(-log_(u), lambd); }

// randint, one word: low + floor(w * r / 2**32), r <= 2**32 (the product fits).
TL_HD i64 randint_one_word(u32 w, i64 low, u64 r) {
    return (i64)((u64)low + (((u64)w * r) >> 32));
}
// randint, two words: low + floor(x * r / 2**64). r == 0 stands for r = 2**64
// (the full 64-bit range, e.g. random_() on int64 from -2**63), giving low + x.
TL_HD i64 randint_two_words(u64 x, i64 low, u64 r) {
    return (i64)((u64)low + (r != 0 ? mulhi64(x, r) : x));
}

// bernoulli: 1 where w < p * 2**32, with p widened to float64 first (both
// sides exact: w has 32 bits and the scale is a power of two).
TL_HD bool bernoulli_of(u32 w, double p) { return (double)w < p * 4294967296.0; }

// multinomial with replacement: the first category c with S[c] > mulhi64(x,
// S[C-1]), S being the row's exact uint64 prefix sums of the quantized
// weights (DESIGN §4.3; S[C-1] > 0, so the answer exists).
TL_HD i64 multinomial_search(const u64* S, u64 num_categories, u64 x) {
    u64 t = mulhi64(x, S[num_categories - 1]);
    u64 lo = 0, hi = num_categories - 1;
    while (lo < hi) {
        u64 mid = lo + (hi - lo) / 2;
        if (S[mid] > t) hi = mid; else lo = mid + 1;
    }
    return (i64)lo;
}

// multinomial without replacement: the key -ln(u) / p (+inf for p == 0);
// the n smallest keys, ties by index, are the sample. Adding +0.0 turns the
// -0.0 of u == 1 into +0.0, so no sort can order it before another zero.
TL_HD double multinomial_key(u64 x, double p) {
    if (p == 0.0) return inf64();
    return add_rn(div_rn(-log_(u53_open1(x)), p), 0.0);
}

// ---------------------------------------------------------------------------
// Group operations: K elements from one Philox block. `compute` fills
// vals[0..K) for elements e0 .. e0+K-1 (those at or past n are discarded, so
// an op that reads an input array must not read past n).
// ---------------------------------------------------------------------------

// Whether output index e (signed: a group may begin before a strided block's
// run) is one of the n elements an op may read inputs for.
TL_HD bool in_range(i64 e, u64 n) { return e >= 0 && (u64)e < n; }

template <class T>
struct UniformOp {  // float16 / bfloat16 / float32: one word per element
    typedef T Out;
    static const int K = 4;
    UniformMap<T> map;
    TL_HD UniformOp(float low, float high) : map(low, high) {}
    TL_HD void compute(uint4 w, i64, u64, T* v) const {
        v[0] = map(UniformBits<T>::u(w.x));
        v[1] = map(UniformBits<T>::u(w.y));
        v[2] = map(UniformBits<T>::u(w.z));
        v[3] = map(UniformBits<T>::u(w.w));
    }
};
struct UniformOpF64 {  // float64: words 2i, 2i+1
    typedef double Out;
    static const int K = 2;
    UniformMap<double> map;
    TL_HD UniformOpF64(double low, double high) : map(low, high) {}
    TL_HD void compute(uint4 w, i64, u64, double* v) const {
        v[0] = map(u53_open0(join64(w.x, w.y)));
        v[1] = map(u53_open0(join64(w.z, w.w)));
    }
};

template <class T>
struct NormalOp {  // float16 / bfloat16 / float32: pair p from words 2p, 2p+1
    typedef T Out;
    static const int K = 4;
    float mean, std;
    TL_HD NormalOp(float mean_, float std_) : mean(mean_), std(std_) {}
    TL_HD T affine(float z) const { return Num<T>::from_c(add_rn(mean, mul_rn(std, z))); }
    TL_HD void compute(uint4 w, i64, u64, T* v) const {
        float z0, z1, z2, z3;
        box_muller(u24_open1(w.x), u24_open0(w.y), z0, z1);
        box_muller(u24_open1(w.z), u24_open0(w.w), z2, z3);
        v[0] = affine(z0); v[1] = affine(z1); v[2] = affine(z2); v[3] = affine(z3);
    }
};
struct NormalOpF64 {  // float64: pair p from words 4p .. 4p+3
    typedef double Out;
    static const int K = 2;
    double mean, std;
    TL_HD NormalOpF64(double mean_, double std_) : mean(mean_), std(std_) {}
    TL_HD void compute(uint4 w, i64, u64, double* v) const {
        double z0, z1;
        box_muller(u53_open1(join64(w.x, w.y)), u53_open0(join64(w.z, w.w)), z0, z1);
        v[0] = add_rn(mean, mul_rn(std, z0));
        v[1] = add_rn(mean, mul_rn(std, z1));
    }
};

template <class T>
struct ExponentialOp {  // float16 / bfloat16 / float32
    typedef T Out;
    static const int K = 4;
    float lambd;
    TL_HD explicit ExponentialOp(float lambd_) : lambd(lambd_) {}
    TL_HD T one(u32 w) const { return Num<T>::from_c(exponential_of(u24_open1(w), lambd)); }
    TL_HD void compute(uint4 w, i64, u64, T* v) const {
        v[0] = one(w.x); v[1] = one(w.y); v[2] = one(w.z); v[3] = one(w.w);
    }
};
struct ExponentialOpF64 {
    typedef double Out;
    static const int K = 2;
    double lambd;
    TL_HD explicit ExponentialOpF64(double lambd_) : lambd(lambd_) {}
    TL_HD void compute(uint4 w, i64, u64, double* v) const {
        v[0] = exponential_of(u53_open1(join64(w.x, w.y)), lambd);
        v[1] = exponential_of(u53_open1(join64(w.z, w.w)), lambd);
    }
};

template <class T>
struct RandintOneWordOp {
    typedef T Out;
    static const int K = 4;
    i64 low;
    u64 range;
    TL_HD RandintOneWordOp(i64 low_, u64 range_) : low(low_), range(range_) {}
    TL_HD T one(u32 w) const { return Num<T>::from_i64(randint_one_word(w, low, range)); }
    TL_HD void compute(uint4 w, i64, u64, T* v) const {
        v[0] = one(w.x); v[1] = one(w.y); v[2] = one(w.z); v[3] = one(w.w);
    }
};
template <class T>
struct RandintTwoWordsOp {
    typedef T Out;
    static const int K = 2;
    i64 low;
    u64 range;
    TL_HD RandintTwoWordsOp(i64 low_, u64 range_) : low(low_), range(range_) {}
    TL_HD void compute(uint4 w, i64, u64, T* v) const {
        v[0] = Num<T>::from_i64(randint_two_words(join64(w.x, w.y), low, range));
        v[1] = Num<T>::from_i64(randint_two_words(join64(w.z, w.w), low, range));
    }
};

template <class T>
struct BernoulliTensorOp {  // p has the output's (floating) dtype, one per element
    typedef T Out;
    static const int K = 4;
    const T* p;
    TL_HD explicit BernoulliTensorOp(const T* p_) : p(p_) {}
    TL_HD void compute(uint4 w, i64 e0, u64 n, T* v) const {
        u32 words[4] = {w.x, w.y, w.z, w.w};
        for (int k = 0; k < 4; ++k) {
            bool hit = in_range(e0 + k, n) && bernoulli_of(words[k], Num<T>::to_f64(p[e0 + k]));
            v[k] = Num<T>::from_i64(hit ? 1 : 0);
        }
    }
};
template <class T>
struct BernoulliScalarOp {
    typedef T Out;
    static const int K = 4;
    double p;
    TL_HD explicit BernoulliScalarOp(double p_) : p(p_) {}
    TL_HD T one(u32 w) const { return Num<T>::from_i64(bernoulli_of(w, p) ? 1 : 0); }
    TL_HD void compute(uint4 w, i64, u64, T* v) const {
        v[0] = one(w.x); v[1] = one(w.y); v[2] = one(w.z); v[3] = one(w.w);
    }
};

struct RandpermKeysOp {  // key i = W_2i << 32 | W_2i+1; the host stable-argsorts
    typedef u64 Out;
    static const int K = 2;
    TL_HD void compute(uint4 w, i64, u64, u64* v) const {
        v[0] = join64(w.x, w.y);
        v[1] = join64(w.z, w.w);
    }
};

struct MultinomialWithReplacementOp {  // element k = row * samples_per_row + j
    typedef i64 Out;
    static const int K = 2;
    const u64* prefix;  // rows x num_categories, C-contiguous
    u64 num_categories, samples_per_row;
    TL_HD MultinomialWithReplacementOp(const u64* prefix_, u64 c, u64 s)
        : prefix(prefix_), num_categories(c), samples_per_row(s) {}
    TL_HD i64 one(i64 k, u64 x) const {
        const u64* row = prefix + ((u64)k / samples_per_row) * num_categories;
        return multinomial_search(row, num_categories, x);
    }
    TL_HD void compute(uint4 w, i64 e0, u64 n, i64* v) const {
        v[0] = in_range(e0, n) ? one(e0, join64(w.x, w.y)) : 0;
        v[1] = in_range(e0 + 1, n) ? one(e0 + 1, join64(w.z, w.w)) : 0;
    }
};

struct MultinomialKeysOp {  // element k = row * num_categories + c; p is float64
    typedef double Out;
    static const int K = 2;
    const double* p;
    TL_HD explicit MultinomialKeysOp(const double* p_) : p(p_) {}
    TL_HD void compute(uint4 w, i64 e0, u64 n, double* v) const {
        v[0] = in_range(e0, n) ? multinomial_key(join64(w.x, w.y), p[e0]) : 0.0;
        v[1] = in_range(e0 + 1, n) ? multinomial_key(join64(w.z, w.w), p[e0 + 1]) : 0.0;
    }
};

// ---------------------------------------------------------------------------
// Storing a group and running one
// ---------------------------------------------------------------------------

template <int BYTES> struct Chunk;  // the widest plain type of BYTES bytes
template <> struct Chunk<4> { typedef unsigned int type; };
template <> struct Chunk<8> { typedef uint2 type; };
template <> struct Chunk<16> { typedef uint4 type; };

// Writes vals[0..K) to out[e0..e0+K), dropping elements at or past n. A full
// group is written with vector stores when `out` is suitably aligned (group
// boundaries are multiples of K elements, so the base pointer decides).
template <int K, class T>
TL_HD void store_group(T* out, u64 n, u64 e0, const T* vals) {
    constexpr int bytes = K * (int)sizeof(T);
    if (e0 + K <= n) {
#if defined(__CUDA_ARCH__)
        if constexpr (bytes >= 4) {
            constexpr int piece = bytes < 16 ? bytes : 16;
            typedef typename Chunk<piece>::type P;
            if ((reinterpret_cast<u64>(out) % piece) == 0) {
                P* dst = reinterpret_cast<P*>(out + e0);
                for (int i = 0; i < bytes / piece; ++i) {
                    P c;
                    memcpy(&c, reinterpret_cast<const char*>(vals) + i * piece, piece);
                    dst[i] = c;
                }
                return;
            }
        }
#else
        memcpy(out + e0, vals, bytes);
        return;
#endif
    }
    for (int k = 0; k < K; ++k)
        if (e0 + k < n) out[e0 + k] = vals[k];
}

// Computes and stores group g: elements g*K .. g*K+K-1, Philox block offset/4 + g.
template <class Op>
TL_HD void run_group(const Op& op, typename Op::Out* out, u64 n, u64 seed, u64 offset, u64 g) {
    typedef typename Op::Out T;
    const int K = Op::K;
    uint4 w = philox_block(seed, offset / 4 + g);
    alignas(16) T vals[K];
    op.compute(w, (i64)(g * K), n, vals);
    store_group<K>(out, n, g * K, vals);
}

// Strided blocks. A block of a larger C-ordered array (a Dask chunk, say a column
// block) is n / run_len runs of consecutive elements: run r is elements
// starts[r] .. starts[r] + run_len - 1 of the whole array's flat order and is
// stored at out[r * run_len ...]. Work item t = (run r, its j-th group): the
// group is the whole array's group starts[r] / K + j, so every element gets the
// words of its global index, and a run at any alignment touches at most
// run_len / K + 2 groups. Ops read inputs (the block's own p, weights) at the
// element's index in the block, which is negative or past the run for the
// group's elements outside it; those are computed but not stored.
template <class Op>
TL_HD void run_strided_item(const Op& op, typename Op::Out* out, u64 n, u64 seed, u64 offset,
                            const u64* starts, u64 run_len, u64 per_run, u64 t) {
    typedef typename Op::Out T;
    const u64 K = (u64)Op::K;
    const u64 r = t / per_run;
    const u64 s = starts[r];
    const u64 g = s / K + t % per_run;
    if (g * K >= s + run_len) return;  // past this run's end
    uint4 w = philox_block(seed, offset / 4 + g);
    alignas(16) T vals[Op::K];
    const u64 base = r * run_len;  // the run's first element in the block
    op.compute(w, (i64)(base + g * K) - (i64)s, n, vals);
    for (u64 k = 0; k < K; ++k) {
        const u64 e = g * K + k;
        if (e >= s && e < s + run_len) out[base + (e - s)] = vals[k];
    }
}

// All groups of an n-element output: a grid-stride loop on the device, a
// plain loop on the host. Which thread runs a group never changes its values.
// run_len == 0: the output is elements 0 .. n-1 (starts is unused); otherwise
// it is the strided block described above run_strided_item.
template <class Op>
TL_HD void run_all(const Op& op, typename Op::Out* out, u64 n, u64 seed, u64 offset,
                   const u64* starts, u64 run_len) {
    const u64 K = (u64)Op::K;
    const bool strided = run_len != 0;
    const u64 per_run = strided ? run_len / K + 2 : 0;
    const u64 items = strided ? (n / run_len) * per_run : n / K + (n % K != 0);
#if defined(__CUDA_ARCH__)
    const u64 stride = (u64)gridDim.x * (u64)blockDim.x;
    for (u64 t = (u64)blockIdx.x * blockDim.x + threadIdx.x; t < items; t += stride)
#else
    for (u64 t = 0; t < items; ++t)
#endif
    {
        if (strided)
            run_strided_item(op, out, n, seed, offset, starts, run_len, per_run, t);
        else
            run_group(op, out, n, seed, offset, t);
    }
}

}  // namespace tl
