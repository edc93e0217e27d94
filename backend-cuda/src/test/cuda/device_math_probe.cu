// Host probe of device_math.cuh: the same __host__ __device__ functions the kernels call, compiled by nvcc for the CPU.
// Reads one request per line on stdin and answers one line on stdout; floats travel as IEEE-754 bit patterns (hex), so
// nothing is rounded on the way. DeviceMathTest builds it with `nvcc -I <kernels>` and compares with the Java side.
//   philox C0 C1 C2 C3 K0 K1          -> W0 W1 W2 W3            (u32, decimal)
//   dropout BLOCK TENSOR STEP SEED T  -> K0 K1 K2 K3            (1 = kept; u64 decimal)
//   gelu XBITS                        -> ERF ERF' TANH TANH'    (float bits)
//   bf16 FBITS                        -> HBITS BACKBITS
//   adamw P M V G DECAY LR B1 B2 OMB1 OMB2 BC1 BC2 EPS SCALE (float bits) -> P M V (float bits)
//   layout                            -> offsets of AttnShape's fields and its size, then AdamParams' (decimal)
//   attention B T H C SCALE SEED STEP TENSOR THRESHOLD KEEP, then qkv [B·T·3C] and dy [B·T·C] (float bits)
//                                     -> three lines: y [B·T·C], lse [B·H·T], dqkv [B·T·3C] (float bits)
#include <cmath>
#include <cstdio>
#include <cstddef>
#include <cstring>
#include <vector>
#include "device_math.cuh"
#include "attention_rows.cuh"

static float f(unsigned bits) {
    float x;
    std::memcpy(&x, &bits, 4);
    return x;
}

static unsigned bits_of(float x) {
    unsigned bits;
    std::memcpy(&bits, &x, 4);
    return bits;
}

int main() {
    char op[16];
    while (std::scanf("%15s", op) == 1) {
        if (!std::strcmp(op, "layout")) {
            std::printf("%zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu", offsetof(AttnShape, B),
                        offsetof(AttnShape, T), offsetof(AttnShape, H), offsetof(AttnShape, C),
                        offsetof(AttnShape, scale), offsetof(AttnShape, seed), offsetof(AttnShape, step),
                        offsetof(AttnShape, tensor), offsetof(AttnShape, block0), offsetof(AttnShape, threshold),
                        offsetof(AttnShape, keep_scale), sizeof(AttnShape));
            std::printf(" %zu %zu %zu %zu %zu %zu %zu %zu %zu %zu\n", offsetof(AdamParams, lr), offsetof(AdamParams, beta1),
                        offsetof(AdamParams, beta2), offsetof(AdamParams, one_minus_beta1),
                        offsetof(AdamParams, one_minus_beta2), offsetof(AdamParams, bc1), offsetof(AdamParams, bc2),
                        offsetof(AdamParams, eps), offsetof(AdamParams, grad_scale), sizeof(AdamParams));
        } else if (!std::strcmp(op, "philox")) {
            unsigned c[4], k[2];
            if (std::scanf("%u %u %u %u %u %u", &c[0], &c[1], &c[2], &c[3], &k[0], &k[1]) != 6) return 2;
            Words4 w = philox4x32_10(c[0], c[1], c[2], c[3], k[0], k[1]);
            std::printf("%u %u %u %u\n", w.w[0], w.w[1], w.w[2], w.w[3]);
        } else if (!std::strcmp(op, "dropout")) {
            unsigned long long block, step, seed, threshold;
            unsigned tensor;
            if (std::scanf("%llu %u %llu %llu %llu", &block, &tensor, &step, &seed, &threshold) != 5) return 2;
            Words4 w = dropout_words(block, tensor, step, seed);
            std::printf("%d %d %d %d\n", dropout_kept(w.w[0], threshold), dropout_kept(w.w[1], threshold),
                        dropout_kept(w.w[2], threshold), dropout_kept(w.w[3], threshold));
        } else if (!std::strcmp(op, "gelu")) {
            unsigned x;
            if (std::scanf("%x", &x) != 1) return 2;
            std::printf("%08x %08x %08x %08x\n", bits_of(gelu_erf(f(x))), bits_of(gelu_erf_grad(f(x))), bits_of(gelu_tanh(f(x))),
                        bits_of(gelu_tanh_grad(f(x))));
        } else if (!std::strcmp(op, "bf16")) {
            unsigned x;
            if (std::scanf("%x", &x) != 1) return 2;
            bf16 h = f32_to_bf16(f(x));
            std::printf("%04x %08x\n", (unsigned)h, bits_of(bf16_to_f32(h)));
        } else if (!std::strcmp(op, "adamw")) {
            unsigned v[14];
            for (int i = 0; i < 14; i++)
                if (std::scanf("%x", &v[i]) != 1) return 2;
            float p = f(v[0]), m = f(v[1]), s = f(v[2]);
            AdamParams a = {f(v[5]), f(v[6]), f(v[7]), f(v[8]), f(v[9]), f(v[10]), f(v[11]), f(v[12]), f(v[13])};
            adamw_element(&p, &m, &s, f(v[3]), f(v[4]), a);
            std::printf("%08x %08x %08x\n", bits_of(p), bits_of(m), bits_of(s));
        } else if (!std::strcmp(op, "attention")) {
            AttnShape s;
            unsigned scale, keep;
            if (std::scanf("%d %d %d %d %x %llu %llu %u %llu %x", &s.B, &s.T, &s.H, &s.C, &scale, &s.seed, &s.step,
                           &s.tensor, &s.threshold, &keep) != 10)
                return 2;
            s.scale = f(scale);
            s.keep_scale = f(keep);
            s.block0 = 0;
            const long long n = (long long)s.B * s.T;
            std::vector<float> qkv(n * 3 * s.C), dy(n * s.C), y(n * s.C), lse((long long)s.B * s.H * s.T),
                    dqkv(n * 3 * s.C);
            for (float& x : qkv) {
                unsigned bits;
                if (std::scanf("%x", &bits) != 1) return 2;
                x = f(bits);
            }
            for (float& x : dy) {
                unsigned bits;
                if (std::scanf("%x", &bits) != 1) return 2;
                x = f(bits);
            }
            for (int b = 0; b < s.B; b++)
                for (int h = 0; h < s.H; h++)
                    for (int i = 0; i < s.T; i++) attn_forward_row(qkv.data(), y.data(), lse.data(), s, b, h, i);
            for (int b = 0; b < s.B; b++)
                for (int h = 0; h < s.H; h++)
                    for (int i = 0; i < s.T; i++) {
                        attn_backward_dq_row(dy.data(), qkv.data(), y.data(), lse.data(), dqkv.data(), s, b, h, i);
                        attn_backward_dkv_row(dy.data(), qkv.data(), y.data(), lse.data(), dqkv.data(), s, b, h, i);
                    }
            for (const std::vector<float>* v : {&y, &lse, &dqkv}) {
                for (size_t i = 0; i < v->size(); i++) std::printf(i ? " %08x" : "%08x", bits_of((*v)[i]));
                std::printf("\n");
            }
        } else {
            return 3;
        }
        std::fflush(stdout);
    }
    return 0;
}
