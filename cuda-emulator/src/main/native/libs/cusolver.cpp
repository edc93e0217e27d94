// libcusolver.so.12 of the emulated device: the dense QR (geqrf, orgqr) and SVD (gesvd) the backend calls, on LAPACK,
// with cuSOLVER's contract: *_bufferSize answers the workspace in elements, the call takes the caller's workspace
// (device memory, at least that long), reports through devInfo in device memory (0, or −i for a bad i-th argument,
// or LAPACK's positive info), and gesvd accepts only m ≥ n, as cuSOLVER documents.
#include <algorithm>
#include <cstring>

#include "../core/emu.h"

extern "C" {
void sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work, const int* lwork, int* info);
void sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau, float* work,
             const int* lwork, int* info);
void dgesvd_(const char* jobu, const char* jobvt, const int* m, const int* n, double* a, const int* lda, double* s,
             double* u, const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* info,
             size_t jobu_len, size_t jobvt_len);
}

typedef int cusolverStatus_t;
enum : int {
    CUSOLVER_STATUS_SUCCESS = 0,
    CUSOLVER_STATUS_NOT_INITIALIZED = 1,
    CUSOLVER_STATUS_INVALID_VALUE = 3,
    CUSOLVER_STATUS_EXECUTION_FAILED = 6,
    CUSOLVER_STATUS_NOT_SUPPORTED = 15,
};

namespace {
constexpr unsigned HANDLE_MAGIC = 0x43534C56;
struct Handle {
    unsigned magic;
    void* stream;
};

Handle* handle(void* h) {
    Handle* p = (Handle*)h;
    return p && p->magic == HANDLE_MAGIC ? p : nullptr;
}

int query_geqrf(int m, int n, int lda) {
    float w = 0;
    int lwork = -1, info = 0;
    sgeqrf_(&m, &n, nullptr, &lda, nullptr, &w, &lwork, &info);
    return std::max(1, (int)w);
}

int query_orgqr(int m, int n, int k, int lda) {
    float w = 0;
    int lwork = -1, info = 0;
    sorgqr_(&m, &n, &k, nullptr, &lda, nullptr, &w, &lwork, &info);
    return std::max(1, (int)w);
}

// cuSOLVER's size does not depend on the jobs: the largest (all of U and Vᵀ).
int query_gesvd(int m, int n) {
    double w = 0;
    int lwork = -1, info = 0, ld = std::max(1, m), ldvt = std::max(1, n);
    dgesvd_("A", "A", &m, &n, nullptr, &ld, nullptr, nullptr, &ld, nullptr, &ldvt, &w, &lwork, &info, 1, 1);
    return std::max(1, (int)w);
}

bool device(const void* p, size_t bytes, const char* what) { return emu_check_device(p, bytes, what); }

// The dev_info of a call, checked and written (it is device memory).
bool put_info(int* dev_info, int value, const char* call) {
    char what[96];
    snprintf(what, sizeof what, "%s devInfo", call);
    if (!device(dev_info, sizeof(int), what)) return false;
    *dev_info = value;
    return true;
}

size_t matrix_span(int rows, int cols, int ld) { return rows == 0 || cols == 0 ? 0 : (size_t)(cols - 1) * ld + rows; }
}  // namespace

extern "C" {

cusolverStatus_t cusolverDnCreate(void** h) {
    if (!h) return CUSOLVER_STATUS_INVALID_VALUE;
    *h = new Handle{HANDLE_MAGIC, nullptr};
    return CUSOLVER_STATUS_SUCCESS;
}

cusolverStatus_t cusolverDnDestroy(void* h) {
    Handle* p = handle(h);
    if (!p) return CUSOLVER_STATUS_NOT_INITIALIZED;
    p->magic = 0;
    delete p;
    return CUSOLVER_STATUS_SUCCESS;
}

cusolverStatus_t cusolverDnSetStream(void* h, void* stream) {
    Handle* p = handle(h);
    if (!p) return CUSOLVER_STATUS_NOT_INITIALIZED;
    if (!emu_stream_valid(stream)) return CUSOLVER_STATUS_INVALID_VALUE;
    p->stream = stream;
    return CUSOLVER_STATUS_SUCCESS;
}

cusolverStatus_t cusolverDnSgeqrf_bufferSize(void* h, int m, int n, float* A, int lda, int* lwork) {
    (void)A;
    if (!handle(h)) return CUSOLVER_STATUS_NOT_INITIALIZED;
    if (m < 0 || n < 0 || lda < std::max(1, m) || !lwork) return CUSOLVER_STATUS_INVALID_VALUE;
    *lwork = query_geqrf(m, n, lda);
    return CUSOLVER_STATUS_SUCCESS;
}

cusolverStatus_t cusolverDnSgeqrf(void* h, int m, int n, float* A, int lda, float* tau, float* work, int lwork,
                                  int* dev_info) {
    if (!handle(h)) return CUSOLVER_STATUS_NOT_INITIALIZED;
    // runs now, after the stream's queued work (a deferring stream, emu.h)
    if (emu_stream_flush(handle(h)->stream, UINT64_MAX) || emu_sticky_error()) return CUSOLVER_STATUS_EXECUTION_FAILED;
    if (m < 0 || n < 0 || lda < std::max(1, m)) return CUSOLVER_STATUS_INVALID_VALUE;
    const char* call = "cusolverDnSgeqrf";
    if (lwork < query_geqrf(m, n, lda)) return put_info(dev_info, -7, call) ? CUSOLVER_STATUS_SUCCESS
                                                                            : CUSOLVER_STATUS_EXECUTION_FAILED;
    if (!device(A, matrix_span(m, n, lda) * 4, "cusolverDnSgeqrf A")
        || !device(tau, (size_t)std::max(1, std::min(m, n)) * 4, "cusolverDnSgeqrf tau")
        || !device(work, (size_t)lwork * 4, "cusolverDnSgeqrf workspace"))
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    int info = 0;
    sgeqrf_(&m, &n, A, &lda, tau, work, &lwork, &info);
    return put_info(dev_info, info, call) ? CUSOLVER_STATUS_SUCCESS : CUSOLVER_STATUS_EXECUTION_FAILED;
}

cusolverStatus_t cusolverDnSorgqr_bufferSize(void* h, int m, int n, int k, const float* A, int lda, const float* tau,
                                             int* lwork) {
    (void)A;
    (void)tau;
    if (!handle(h)) return CUSOLVER_STATUS_NOT_INITIALIZED;
    if (m < 0 || n < 0 || n > m || k < 0 || k > n || lda < std::max(1, m) || !lwork) return CUSOLVER_STATUS_INVALID_VALUE;
    *lwork = query_orgqr(m, n, k, lda);
    return CUSOLVER_STATUS_SUCCESS;
}

cusolverStatus_t cusolverDnSorgqr(void* h, int m, int n, int k, float* A, int lda, const float* tau, float* work,
                                  int lwork, int* dev_info) {
    if (!handle(h)) return CUSOLVER_STATUS_NOT_INITIALIZED;
    // runs now, after the stream's queued work (a deferring stream, emu.h)
    if (emu_stream_flush(handle(h)->stream, UINT64_MAX) || emu_sticky_error()) return CUSOLVER_STATUS_EXECUTION_FAILED;
    if (m < 0 || n < 0 || n > m || k < 0 || k > n || lda < std::max(1, m)) return CUSOLVER_STATUS_INVALID_VALUE;
    const char* call = "cusolverDnSorgqr";
    if (lwork < query_orgqr(m, n, k, lda))
        return put_info(dev_info, -8, call) ? CUSOLVER_STATUS_SUCCESS : CUSOLVER_STATUS_EXECUTION_FAILED;
    if (!device(A, matrix_span(m, n, lda) * 4, "cusolverDnSorgqr A")
        || (k > 0 && !device(tau, (size_t)k * 4, "cusolverDnSorgqr tau"))
        || !device(work, (size_t)lwork * 4, "cusolverDnSorgqr workspace"))
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    int info = 0;
    sorgqr_(&m, &n, &k, A, &lda, tau, work, &lwork, &info);
    return put_info(dev_info, info, call) ? CUSOLVER_STATUS_SUCCESS : CUSOLVER_STATUS_EXECUTION_FAILED;
}

cusolverStatus_t cusolverDnDgesvd_bufferSize(void* h, int m, int n, int* lwork) {
    if (!handle(h)) return CUSOLVER_STATUS_NOT_INITIALIZED;
    if (m < n || n < 0 || !lwork) return CUSOLVER_STATUS_INVALID_VALUE;  // cuSOLVER's gesvd: m ≥ n only
    *lwork = query_gesvd(m, n);
    return CUSOLVER_STATUS_SUCCESS;
}

cusolverStatus_t cusolverDnDgesvd(void* h, signed char jobu, signed char jobvt, int m, int n, double* A, int lda,
                                  double* S, double* U, int ldu, double* VT, int ldvt, double* work, int lwork,
                                  double* rwork, int* dev_info) {
    (void)rwork;  // only read back by callers when the iteration did not converge
    if (!handle(h)) return CUSOLVER_STATUS_NOT_INITIALIZED;
    // runs now, after the stream's queued work (a deferring stream, emu.h)
    if (emu_stream_flush(handle(h)->stream, UINT64_MAX) || emu_sticky_error()) return CUSOLVER_STATUS_EXECUTION_FAILED;
    auto job_ok = [](signed char j) { return j == 'A' || j == 'S' || j == 'O' || j == 'N'; };
    if (m < n) {
        emu_log("cusolverDnDgesvd: m = %d < n = %d (cuSOLVER's gesvd supports m >= n only)", m, n);
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (n < 0 || !job_ok(jobu) || !job_ok(jobvt) || lda < std::max(1, m)) return CUSOLVER_STATUS_INVALID_VALUE;
    const bool wantU = jobu == 'A' || jobu == 'S', wantVT = jobvt == 'A' || jobvt == 'S';
    if ((wantU && ldu < std::max(1, m)) || (wantVT && ldvt < std::max(1, n))) return CUSOLVER_STATUS_INVALID_VALUE;
    const char* call = "cusolverDnDgesvd";
    if (lwork < query_gesvd(m, n))
        return put_info(dev_info, -13, call) ? CUSOLVER_STATUS_SUCCESS : CUSOLVER_STATUS_EXECUTION_FAILED;
    const int ucols = jobu == 'A' ? m : n;
    if (!device(A, matrix_span(m, n, lda) * 8, "cusolverDnDgesvd A")
        || !device(S, (size_t)std::max(1, n) * 8, "cusolverDnDgesvd S")
        || (wantU && !device(U, matrix_span(m, ucols, ldu) * 8, "cusolverDnDgesvd U"))
        || (wantVT && !device(VT, matrix_span(n, n, ldvt) * 8, "cusolverDnDgesvd VT"))
        || !device(work, (size_t)lwork * 8, "cusolverDnDgesvd workspace"))
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    const char ju = (char)jobu, jv = (char)jobvt;
    int info = 0, ldu_ = std::max(1, ldu), ldvt_ = std::max(1, ldvt);
    dgesvd_(&ju, &jv, &m, &n, A, &lda, S, U, &ldu_, VT, &ldvt_, work, &lwork, &info, 1, 1);
    return put_info(dev_info, info, call) ? CUSOLVER_STATUS_SUCCESS : CUSOLVER_STATUS_EXECUTION_FAILED;
}
}
