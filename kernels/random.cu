// kernels/random.cu — tensorlite's random fills on CUDA (DESIGN.md §4, §5).
//
// Every entry point fills n elements of a C-contiguous output from the stream
// of `seed`, starting at word `offset` (a multiple of 4), exactly as DESIGN §4.3
// defines element by element. Signature pattern:
//
//     (T* out, unsigned long long n, unsigned long long seed,
//      unsigned long long offset, const unsigned long long* starts,
//      unsigned long long run_len, params...)
//
// With run_len == 0 (starts unused, may be null) the output is elements 0 .. n-1
// of the fill. Otherwise it is a strided block of a larger array: n / run_len
// runs, run r being the whole array's elements starts[r] .. starts[r]+run_len-1
// (a Dask column block, say), each element from the words of its global index;
// one launch covers the block (philox.cuh, run_strided_item).
//
// Launch with any grid and block size (grid-stride loops; the values do not
// depend on the launch configuration). Dtype suffixes: bool u8 i8 i16 i32 i64
// f16 bf16 f32 f64. The Python side is tensorlite/_backends/_cuda_random.py.
//
// Compiled by NVRTC through cupy.RawModule with --fmad=false -std=c++17 and
// include folders for cuRAND's curand_philox4x32_x.h and the CUDA runtime's
// cuda_fp16.h / cuda_bf16.h. tests/kernel_host_check.cu compiles this file for
// the host with TL_HOST_HARNESS defined, which turns each entry point into a
// host function with the same name, signature and body.

#include "philox.cuh"

// Families. With -DTL_FAMILY_<NAME> only that family is compiled: the launcher
// builds one module per family, so a first rand() waits ~0.1 s for NVRTC
// instead of ~1 s for all 49 kernels. With none defined, everything is
// compiled (the PTX compile test and the host harness do this).
#if !defined(TL_FAMILY_UNIFORM) && !defined(TL_FAMILY_NORMAL) &&                   \
    !defined(TL_FAMILY_EXPONENTIAL) && !defined(TL_FAMILY_RANDINT) &&              \
    !defined(TL_FAMILY_BERNOULLI) && !defined(TL_FAMILY_PERMUTATION)
#define TL_FAMILY_UNIFORM
#define TL_FAMILY_NORMAL
#define TL_FAMILY_EXPONENTIAL
#define TL_FAMILY_RANDINT
#define TL_FAMILY_BERNOULLI
#define TL_FAMILY_PERMUTATION
#endif

#if defined(TL_HOST_HARNESS)
#define TL_ENTRY extern "C" void
#else
#define TL_ENTRY extern "C" __global__ void
#endif

typedef unsigned long long tl_u64;

// The output layout every entry point takes after `offset` (see the top).
#define TL_LAYOUT const tl_u64 *starts, tl_u64 run_len,
#define TL_LAYOUT_LAST const tl_u64 *starts, tl_u64 run_len

#if defined(TL_FAMILY_UNIFORM)
// uniform_(low, high): f16/bf16/f32 take float32 bounds, f64 float64 bounds.
#define TL_UNIFORM(SUFFIX, T)                                                          \
    TL_ENTRY tl_uniform_##SUFFIX(T* out, tl_u64 n, tl_u64 seed, tl_u64 offset, TL_LAYOUT         \
                                 float low, float high) {                              \
        tl::run_all(tl::UniformOp<T>(low, high), out, n, seed, offset, starts, run_len);               \
    }
TL_UNIFORM(f16, __half)
TL_UNIFORM(bf16, __nv_bfloat16)
TL_UNIFORM(f32, float)
TL_ENTRY tl_uniform_f64(double* out, tl_u64 n, tl_u64 seed, tl_u64 offset, TL_LAYOUT
                        double low, double high) {
    tl::run_all(tl::UniformOpF64(low, high), out, n, seed, offset, starts, run_len);
}

#endif  // TL_FAMILY_UNIFORM

#if defined(TL_FAMILY_NORMAL)
// normal_(mean, std): Box–Muller pairs; an odd n drops the last sine.
#define TL_NORMAL(SUFFIX, T)                                                           \
    TL_ENTRY tl_normal_##SUFFIX(T* out, tl_u64 n, tl_u64 seed, tl_u64 offset, TL_LAYOUT          \
                                float mean, float std) {                               \
        tl::run_all(tl::NormalOp<T>(mean, std), out, n, seed, offset, starts, run_len);                 \
    }
TL_NORMAL(f16, __half)
TL_NORMAL(bf16, __nv_bfloat16)
TL_NORMAL(f32, float)
TL_ENTRY tl_normal_f64(double* out, tl_u64 n, tl_u64 seed, tl_u64 offset, TL_LAYOUT
                       double mean, double std) {
    tl::run_all(tl::NormalOpF64(mean, std), out, n, seed, offset, starts, run_len);
}

#endif  // TL_FAMILY_NORMAL

#if defined(TL_FAMILY_EXPONENTIAL)
// exponential_(lambd): -ln(u) / lambd, u in (0, 1].
#define TL_EXPONENTIAL(SUFFIX, T)                                                      \
    TL_ENTRY tl_exponential_##SUFFIX(T* out, tl_u64 n, tl_u64 seed, tl_u64 offset, TL_LAYOUT     \
                                     float lambd) {                                    \
        tl::run_all(tl::ExponentialOp<T>(lambd), out, n, seed, offset, starts, run_len);                \
    }
TL_EXPONENTIAL(f16, __half)
TL_EXPONENTIAL(bf16, __nv_bfloat16)
TL_EXPONENTIAL(f32, float)
TL_ENTRY tl_exponential_f64(double* out, tl_u64 n, tl_u64 seed, tl_u64 offset, TL_LAYOUT
                            double lambd) {
    tl::run_all(tl::ExponentialOpF64(lambd), out, n, seed, offset, starts, run_len);
}

#endif  // TL_FAMILY_EXPONENTIAL

#if defined(TL_FAMILY_RANDINT)
// randint(low, low + range) into any dtype: the int64 value, then cast.
// randint1_*: one word per element (range <= 2**16, or a power of two
// <= 2**32). randint2_*: two words per element (any other range; range == 0
// means 2**64). The host picks which, per DESIGN §4.3.
#define TL_RANDINT(SUFFIX, T)                                                          \
    TL_ENTRY tl_randint1_##SUFFIX(T* out, tl_u64 n, tl_u64 seed, tl_u64 offset, TL_LAYOUT        \
                                  long long low, tl_u64 range) {                       \
        tl::run_all(tl::RandintOneWordOp<T>(low, range), out, n, seed, offset, starts, run_len);        \
    }                                                                                  \
    TL_ENTRY tl_randint2_##SUFFIX(T* out, tl_u64 n, tl_u64 seed, tl_u64 offset, TL_LAYOUT        \
                                  long long low, tl_u64 range) {                       \
        tl::run_all(tl::RandintTwoWordsOp<T>(low, range), out, n, seed, offset, starts, run_len);       \
    }
TL_RANDINT(bool, bool)
TL_RANDINT(u8, unsigned char)
TL_RANDINT(i8, signed char)
TL_RANDINT(i16, short)
TL_RANDINT(i32, int)
TL_RANDINT(i64, long long)
TL_RANDINT(f16, __half)
TL_RANDINT(bf16, __nv_bfloat16)
TL_RANDINT(f32, float)
TL_RANDINT(f64, double)

#endif  // TL_FAMILY_RANDINT

#if defined(TL_FAMILY_BERNOULLI)
// bernoulli(p): elementwise p (same floating dtype as out, same element count,
// broadcast by the host) or one float64 p for any output dtype.
#define TL_BERNOULLI_TENSOR(SUFFIX, T)                                                 \
    TL_ENTRY tl_bernoulli_##SUFFIX(T* out, tl_u64 n, tl_u64 seed, tl_u64 offset, TL_LAYOUT       \
                                   const T* p) {                                       \
        tl::run_all(tl::BernoulliTensorOp<T>(p), out, n, seed, offset, starts, run_len);                \
    }
TL_BERNOULLI_TENSOR(f16, __half)
TL_BERNOULLI_TENSOR(bf16, __nv_bfloat16)
TL_BERNOULLI_TENSOR(f32, float)
TL_BERNOULLI_TENSOR(f64, double)

#define TL_BERNOULLI_SCALAR(SUFFIX, T)                                                 \
    TL_ENTRY tl_bernoulli_scalar_##SUFFIX(T* out, tl_u64 n, tl_u64 seed,               \
                                          tl_u64 offset, TL_LAYOUT double p) {                   \
        tl::run_all(tl::BernoulliScalarOp<T>(p), out, n, seed, offset, starts, run_len);                \
    }
TL_BERNOULLI_SCALAR(bool, bool)
TL_BERNOULLI_SCALAR(u8, unsigned char)
TL_BERNOULLI_SCALAR(i8, signed char)
TL_BERNOULLI_SCALAR(i16, short)
TL_BERNOULLI_SCALAR(i32, int)
TL_BERNOULLI_SCALAR(i64, long long)
TL_BERNOULLI_SCALAR(f16, __half)
TL_BERNOULLI_SCALAR(bf16, __nv_bfloat16)
TL_BERNOULLI_SCALAR(f32, float)
TL_BERNOULLI_SCALAR(f64, double)

#endif  // TL_FAMILY_BERNOULLI

#if defined(TL_FAMILY_PERMUTATION)
// randperm(n): 64-bit keys from words 2i, 2i+1 (high word first); the host
// stable-argsorts them.
TL_ENTRY tl_randperm_keys(tl_u64* out, tl_u64 n, tl_u64 seed, tl_u64 offset, TL_LAYOUT_LAST) {
    tl::run_all(tl::RandpermKeysOp(), out, n, seed, offset, starts, run_len);
}

// multinomial with replacement: out[r * samples_per_row + j] for n = rows *
// samples_per_row samples, given each row's uint64 prefix sums (rows x
// num_categories, quantized by the host as DESIGN §4.3 says).
TL_ENTRY tl_multinomial_with_replacement(long long* out, tl_u64 n, tl_u64 seed,
                                         tl_u64 offset, TL_LAYOUT const tl_u64* prefix,
                                         tl_u64 num_categories, tl_u64 samples_per_row) {
    tl::run_all(tl::MultinomialWithReplacementOp(prefix, num_categories, samples_per_row),
                out, n, seed, offset, starts, run_len);
}

// multinomial without replacement: float64 keys -ln(u) / p for the n = rows *
// num_categories weights p (float64, C-contiguous); +inf where p == 0. The host
// stable-argsorts each row and keeps the first num_samples.
TL_ENTRY tl_multinomial_keys(double* out, tl_u64 n, tl_u64 seed, tl_u64 offset, TL_LAYOUT
                             const double* p) {
    tl::run_all(tl::MultinomialKeysOp(p), out, n, seed, offset, starts, run_len);
}
#endif  // TL_FAMILY_PERMUTATION
