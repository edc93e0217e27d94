// libcublas.so.13 of the emulated device: handles, streams, math modes and the GEMMs the backend issues, column-major
// as cuBLAS defines them, on OpenBLAS. Arguments are validated as cuBLAS documents (lda ≥ max(1, rows of op(A)) …);
// every operand span is checked to be emulated device memory. Compute types: 32F and 32F_PEDANTIC are plain float32;
// 32F_FAST_TF32 (or CUBLAS_TF32_TENSOR_OP_MATH) rounds A and B to TF32 (10-bit mantissa) and 32F_FAST_16BF to bf16
// (7-bit), both to nearest-even, then multiplies in float32: the operand rounding of tensor cores, so --precision
// changes results here as it does on a GPU. Deterministic: OpenBLAS splits no dot product across threads.
#include <cblas.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "../core/emu.h"

typedef int cublasStatus_t;
enum : int {
    CUBLAS_STATUS_SUCCESS = 0,
    CUBLAS_STATUS_NOT_INITIALIZED = 1,
    CUBLAS_STATUS_ALLOC_FAILED = 3,
    CUBLAS_STATUS_INVALID_VALUE = 7,
    CUBLAS_STATUS_ARCH_MISMATCH = 8,
    CUBLAS_STATUS_MAPPING_ERROR = 11,
    CUBLAS_STATUS_EXECUTION_FAILED = 13,
    CUBLAS_STATUS_INTERNAL_ERROR = 14,
    CUBLAS_STATUS_NOT_SUPPORTED = 15,
};
enum { OP_N = 0, OP_T = 1, OP_C = 2 };
enum { CUDA_R_32F = 0 };
enum { COMPUTE_32F = 68, COMPUTE_32F_PEDANTIC = 69, COMPUTE_32F_FAST_16BF = 75, COMPUTE_32F_FAST_TF32 = 77 };
enum { DEFAULT_MATH = 0, PEDANTIC_MATH = 2, TF32_TENSOR_OP_MATH = 3 };

namespace {
constexpr unsigned HANDLE_MAGIC = 0x43424C53;
struct Handle {
    unsigned magic;
    void* stream;
    int math_mode;
    std::vector<float> a, b;  // rounded operands, kept between calls
};

Handle* handle(void* h) {
    Handle* p = (Handle*)h;
    return p && p->magic == HANDLE_MAGIC ? p : nullptr;
}

// Round to nearest-even keeping `bits` mantissa bits (NaN and infinities kept).
float round_mantissa(float x, int bits) {
    unsigned u;
    memcpy(&u, &x, 4);
    if ((u & 0x7F800000u) == 0x7F800000u) return x;
    const int drop = 23 - bits;
    const unsigned half = 1u << (drop - 1), lsb = (u >> drop) & 1u;
    u = (u + half - 1 + lsb) & ~((1u << drop) - 1u);
    float y;
    memcpy(&y, &u, 4);
    return y;
}

// Copies the span of a strided batch of column-major matrices, rounded.
void rounded(std::vector<float>& out, const float* src, size_t span, int bits) {
    out.resize(span);
    for (size_t i = 0; i < span; i++) out[i] = round_mantissa(src[i], bits);
}

// The highest element offset + 1 that a batch of `rows` × `cols` column-major matrices touches.
size_t span_of(long long rows, long long cols, long long ld, long long stride, int batch) {
    if (rows == 0 || cols == 0 || batch == 0) return 0;
    return (size_t)((batch - 1) * stride + (cols - 1) * ld + rows);
}

cublasStatus_t gemm(void* h, int transa, int transb, int m, int n, int k, const float* alpha, const float* A, int lda,
                    long long strideA, const float* B, int ldb, long long strideB, const float* beta, float* C,
                    int ldc, long long strideC, int batch, int compute, const char* call) {
    Handle* hd = handle(h);
    if (!hd) return CUBLAS_STATUS_NOT_INITIALIZED;
    // runs now, after the stream's queued work (a deferring stream, emu.h)
    if (emu_stream_flush(hd->stream, UINT64_MAX) || emu_sticky_error()) return CUBLAS_STATUS_EXECUTION_FAILED;
    if ((transa != OP_N && transa != OP_T && transa != OP_C) || (transb != OP_N && transb != OP_T && transb != OP_C))
        return CUBLAS_STATUS_INVALID_VALUE;
    const int rowsA = transa == OP_N ? m : k, colsA = transa == OP_N ? k : m;
    const int rowsB = transb == OP_N ? k : n, colsB = transb == OP_N ? n : k;
    if (m < 0 || n < 0 || k < 0 || batch < 0 || lda < (rowsA > 1 ? rowsA : 1) || ldb < (rowsB > 1 ? rowsB : 1)
        || ldc < (m > 1 ? m : 1)) {
        emu_log("%s: invalid value (m %d n %d k %d lda %d ldb %d ldc %d batch %d)", call, m, n, k, lda, ldb, ldc,
                batch);
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (!alpha || !beta) return CUBLAS_STATUS_INVALID_VALUE;
    if (m == 0 || n == 0 || batch == 0) return CUBLAS_STATUS_SUCCESS;
    int bits = 23;
    if (compute == COMPUTE_32F_FAST_TF32 || (compute == COMPUTE_32F && hd->math_mode == TF32_TENSOR_OP_MATH)) bits = 10;
    else if (compute == COMPUTE_32F_FAST_16BF) bits = 7;
    else if (compute != COMPUTE_32F && compute != COMPUTE_32F_PEDANTIC) {
        char what[80];
        snprintf(what, sizeof what, "%s with compute type %d", call, compute);
        return emu_unsupported(what, CUBLAS_STATUS_NOT_SUPPORTED);
    }
    // alpha and beta are host values (CUBLAS_POINTER_MODE_HOST, the default)
    const float al = *alpha, be = *beta;
    const size_t spanA = k == 0 ? 0 : span_of(rowsA, colsA, lda, strideA, batch);
    const size_t spanB = k == 0 ? 0 : span_of(rowsB, colsB, ldb, strideB, batch);
    const size_t spanC = span_of(m, n, ldc, strideC, batch);
    char what[96];
    snprintf(what, sizeof what, "%s A", call);
    if (spanA && !emu_check_device(A, spanA * 4, what)) return CUBLAS_STATUS_EXECUTION_FAILED;
    snprintf(what, sizeof what, "%s B", call);
    if (spanB && !emu_check_device(B, spanB * 4, what)) return CUBLAS_STATUS_EXECUTION_FAILED;
    snprintf(what, sizeof what, "%s C", call);
    if (!emu_check_device(C, spanC * 4, what)) return CUBLAS_STATUS_EXECUTION_FAILED;
    const float *a = A, *b = B;
    if (bits < 23 && k > 0) {
        rounded(hd->a, A, spanA, bits);
        rounded(hd->b, B, spanB, bits);
        a = hd->a.data();
        b = hd->b.data();
    }
    const CBLAS_TRANSPOSE ta = transa == OP_N ? CblasNoTrans : CblasTrans;
    const CBLAS_TRANSPOSE tb = transb == OP_N ? CblasNoTrans : CblasTrans;
    for (int i = 0; i < batch; i++)
        cblas_sgemm(CblasColMajor, ta, tb, m, n, k, al, a + (size_t)i * strideA, lda, b + (size_t)i * strideB, ldb,
                    be, C + (size_t)i * strideC, ldc);
    return emu_check_canaries(call) ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_EXECUTION_FAILED;
}
}  // namespace

extern "C" {

cublasStatus_t cublasCreate_v2(void** h) {
    if (!h) return CUBLAS_STATUS_INVALID_VALUE;
    if (emu_sticky_error()) return CUBLAS_STATUS_NOT_INITIALIZED;
    *h = new Handle{HANDLE_MAGIC, nullptr, DEFAULT_MATH, {}, {}};
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy_v2(void* h) {
    Handle* p = handle(h);
    if (!p) return CUBLAS_STATUS_NOT_INITIALIZED;
    p->magic = 0;
    delete p;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream_v2(void* h, void* stream) {
    Handle* p = handle(h);
    if (!p) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (!emu_stream_valid(stream)) return CUBLAS_STATUS_INVALID_VALUE;
    p->stream = stream;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetStream_v2(void* h, void** stream) {
    Handle* p = handle(h);
    if (!p) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (!stream) return CUBLAS_STATUS_INVALID_VALUE;
    *stream = p->stream;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(void* h, int mode) {
    Handle* p = handle(h);
    if (!p) return CUBLAS_STATUS_NOT_INITIALIZED;
    const int base = mode & 0xF;  // the low bits name the mode; CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION (16) is a flag
    if (base != DEFAULT_MATH && base != PEDANTIC_MATH && base != TF32_TENSOR_OP_MATH) return CUBLAS_STATUS_INVALID_VALUE;
    p->math_mode = base;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasGetMathMode(void* h, int* mode) {
    Handle* p = handle(h);
    if (!p) return CUBLAS_STATUS_NOT_INITIALIZED;
    if (!mode) return CUBLAS_STATUS_INVALID_VALUE;
    *mode = p->math_mode;
    return CUBLAS_STATUS_SUCCESS;
}

const char* cublasGetStatusString(cublasStatus_t s) {
    switch (s) {
        case CUBLAS_STATUS_SUCCESS: return "the operation completed successfully";
        case CUBLAS_STATUS_NOT_INITIALIZED: return "the library was not initialized";
        case CUBLAS_STATUS_ALLOC_FAILED: return "the resource allocation failed";
        case CUBLAS_STATUS_INVALID_VALUE: return "an invalid numeric value was used as an argument";
        case CUBLAS_STATUS_ARCH_MISMATCH: return "an absent device architectural feature is required";
        case CUBLAS_STATUS_MAPPING_ERROR: return "an access to GPU memory space failed";
        case CUBLAS_STATUS_EXECUTION_FAILED: return "the GPU program failed to execute";
        case CUBLAS_STATUS_INTERNAL_ERROR: return "an internal operation failed";
        case CUBLAS_STATUS_NOT_SUPPORTED: return "the functionality requested is not supported";
        default: return "unknown error";
    }
}

const char* cublasGetStatusName(cublasStatus_t s) {
    switch (s) {
        case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
        case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
        case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
        case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
        case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
        default: return "CUBLAS_STATUS_UNKNOWN";
    }
}

cublasStatus_t cublasGemmStridedBatchedEx(void* h, int transa, int transb, int m, int n, int k, const void* alpha,
                                          const void* A, int Atype, int lda, long long strideA, const void* B,
                                          int Btype, int ldb, long long strideB, const void* beta, void* C, int Ctype,
                                          int ldc, long long strideC, int batch, int compute, int algo) {
    (void)algo;  // every algorithm computes the same product here
    if (Atype != CUDA_R_32F || Btype != CUDA_R_32F || Ctype != CUDA_R_32F)
        return emu_unsupported("cublasGemmStridedBatchedEx with non-float32 operands", CUBLAS_STATUS_NOT_SUPPORTED);
    return gemm(h, transa, transb, m, n, k, (const float*)alpha, (const float*)A, lda, strideA, (const float*)B, ldb,
                strideB, (const float*)beta, (float*)C, ldc, strideC, batch, compute, "cublasGemmStridedBatchedEx");
}

cublasStatus_t cublasGemmEx(void* h, int transa, int transb, int m, int n, int k, const void* alpha, const void* A,
                            int Atype, int lda, const void* B, int Btype, int ldb, const void* beta, void* C, int Ctype,
                            int ldc, int compute, int algo) {
    (void)algo;
    if (Atype != CUDA_R_32F || Btype != CUDA_R_32F || Ctype != CUDA_R_32F)
        return emu_unsupported("cublasGemmEx with non-float32 operands", CUBLAS_STATUS_NOT_SUPPORTED);
    return gemm(h, transa, transb, m, n, k, (const float*)alpha, (const float*)A, lda, 0, (const float*)B, ldb, 0,
                (const float*)beta, (float*)C, ldc, 0, 1, compute, "cublasGemmEx");
}

cublasStatus_t cublasSgemm_v2(void* h, int transa, int transb, int m, int n, int k, const float* alpha, const float* A,
                              int lda, const float* B, int ldb, const float* beta, float* C, int ldc) {
    return gemm(h, transa, transb, m, n, k, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1, COMPUTE_32F,
                "cublasSgemm");
}
}
