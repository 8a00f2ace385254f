// tests/kernel_host_check.cu — runs kernels/random.cu's entry points on the CPU.
//
// Built by tests/test_kernels_host.py with nvcc as an ordinary host program:
//
//     nvcc -std=c++17 --fmad=false -Xcompiler -ffp-contract=off
//          -I kernels -I <curand include> tests/kernel_host_check.cu
//
// TL_HOST_HARNESS turns every `extern "C" __global__` entry point into a host
// function with the same name, signature and body (a plain loop over the
// Philox groups instead of the grid-stride loop), so this program executes
// the kernels' own code — cuRAND's Philox block function included — and the
// test compares its output with a NumPy re-derivation of DESIGN §4.3.
//
// Protocol: one request per stdin line, one answer per stdout line.
//   block c0 c1 c2 c3 k0 k1        -> the 4 words of curand_Philox4x32_10
//   <entry> seed offset n args...  -> the n outputs' bytes as one hex string
// Arguments: float/double as the hex of their bits, long long / unsigned long
// long as decimal or 0x-hex integers, pointers as hex strings of the bytes.
// Errors are answered "error <text>".

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#define TL_HOST_HARNESS 1
#include "random.cu"

namespace {

struct Args {
    std::vector<std::string> tokens;
    size_t next = 0;
    std::deque<std::vector<unsigned char>> buffers;  // stable addresses

    const std::string& take() {
        if (next >= tokens.size()) throw std::runtime_error("missing argument");
        return tokens[next++];
    }
    unsigned long long u64() { return std::strtoull(take().c_str(), nullptr, 0); }
    long long i64() { return std::strtoll(take().c_str(), nullptr, 0); }
    std::vector<unsigned char> bytes() {
        const std::string& hex = take();
        if (hex.size() % 2) throw std::runtime_error("odd hex length");
        std::vector<unsigned char> out(hex.size() / 2);
        for (size_t i = 0; i < out.size(); ++i)
            out[i] = (unsigned char)std::strtoul(hex.substr(2 * i, 2).c_str(), nullptr, 16);
        return out;
    }
};

template <class P> struct Parse;
template <> struct Parse<float> {
    static float get(Args& a) { return tl::bit_cast_<float>((unsigned int)a.u64()); }
};
template <> struct Parse<double> {
    static double get(Args& a) { return tl::bit_cast_<double>(a.u64()); }
};
template <> struct Parse<long long> {
    static long long get(Args& a) { return a.i64(); }
};
template <> struct Parse<unsigned long long> {
    static unsigned long long get(Args& a) { return a.u64(); }
};
template <class T> struct Parse<const T*> {
    static const T* get(Args& a) {
        a.buffers.push_back(a.bytes());
        return reinterpret_cast<const T*>(a.buffers.back().data());
    }
};

std::string hex_of(const unsigned char* p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string s(2 * n, '0');
    for (size_t i = 0; i < n; ++i) {
        s[2 * i] = digits[p[i] >> 4];
        s[2 * i + 1] = digits[p[i] & 15];
    }
    return s;
}

// Calls an entry point on a fresh buffer and prints its n outputs. Bytes past
// the n-th element are guarded: an entry point that writes past n fails.
template <class T, class... P>
std::string run(void (*entry)(T*, tl_u64, tl_u64, tl_u64, P...), Args& a) {
    const tl_u64 seed = a.u64(), offset = a.u64(), n = a.u64();
    std::tuple<P...> params{Parse<P>::get(a)...};  // braces: evaluated in order
    const size_t guard = 64;
    std::vector<unsigned char> buf(n * sizeof(T) + guard, 0xA5);
    T* out = reinterpret_cast<T*>(buf.data());
    std::apply([&](P... p) { entry(out, n, seed, offset, p...); }, params);
    for (size_t i = n * sizeof(T); i < buf.size(); ++i)
        if (buf[i] != 0xA5) return "error wrote past the end of the output";
    return hex_of(buf.data(), n * sizeof(T));
}

std::map<std::string, std::function<std::string(Args&)>> registry() {
    std::map<std::string, std::function<std::string(Args&)>> r;
#define REG(name) r[#name] = [](Args& a) { return run(name, a); };
#define REG_FLOATS(prefix) REG(prefix##f16) REG(prefix##bf16) REG(prefix##f32) REG(prefix##f64)
#define REG_ALL(prefix) \
    REG(prefix##bool) REG(prefix##u8) REG(prefix##i8) REG(prefix##i16) REG(prefix##i32) \
    REG(prefix##i64) REG_FLOATS(prefix)
    REG_FLOATS(tl_uniform_)
    REG_FLOATS(tl_normal_)
    REG_FLOATS(tl_exponential_)
    REG_ALL(tl_randint1_)
    REG_ALL(tl_randint2_)
    REG_FLOATS(tl_bernoulli_)
    REG_ALL(tl_bernoulli_scalar_)
    REG(tl_randperm_keys)
    REG(tl_multinomial_with_replacement)
    REG(tl_multinomial_keys)
    r["block"] = [](Args& a) {
        unsigned int c[4], k[2];
        for (auto& v : c) v = (unsigned int)a.u64();
        for (auto& v : k) v = (unsigned int)a.u64();
        uint4 w = curand_Philox4x32_10(make_uint4(c[0], c[1], c[2], c[3]), make_uint2(k[0], k[1]));
        char s[64];
        std::snprintf(s, sizeof s, "%08x %08x %08x %08x", w.x, w.y, w.z, w.w);
        return std::string(s);
    };
    return r;
}

}  // namespace

int main() {
    const auto entries = registry();
    std::string line;
    while (std::getline(std::cin, line)) {
        Args a;
        std::istringstream in(line);
        for (std::string t; in >> t;) a.tokens.push_back(t);
        if (a.tokens.empty()) continue;
        std::string answer;
        auto it = entries.find(a.tokens[0]);
        if (it == entries.end()) {
            answer = "error unknown entry point " + a.tokens[0];
        } else {
            a.next = 1;
            try {
                answer = it->second(a);
            } catch (const std::exception& e) {
                answer = std::string("error ") + e.what();
            }
        }
        std::fputs(answer.c_str(), stdout);
        std::fputc('\n', stdout);
    }
    return 0;
}
