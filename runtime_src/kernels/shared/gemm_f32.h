/* A small float GEMM shared by conv2d, transpose_conv, fully_connected and
 * batch_matmul (one copy in the binary however many of them are selected).
 *
 *   C[m][n] = clamp(init[m][n] + sum_k A[m][k] * B[k][n], lo, hi)
 *   A[m][k] = a[m*lda + k*ak]                 (any strides)
 *   B[k][n] = b[(n/8)*bps + k*ldb + n%8]      (8-column panels)
 *   C[m][n] = c[m*ldc + n]
 *   init    = C itself when `accumulate`, else bias[n] (0 when bias is NULL)
 *
 * B layouts: a plain row-major [K][N] matrix is ldb = N, bps = 8, packed = 0.
 * Constant weights are re-laid by the converter into panels [ceil(N/8)][K][8]
 * (ldb = 8, bps = K*8, packed = 1, the last panel zero-padded): each panel is
 * then one contiguous stream that stays in L1 while the rows of A pass by.
 * With k = 0 the GEMM just fills C with the bias. */
#ifndef SELRT_SHARED_GEMM_F32_H
#define SELRT_SHARED_GEMM_F32_H

#include <stddef.h>
#include <stdint.h>

#include "selrt_kernel.h"
#include "simd.h"

#define SELRT_SHARED_GEMM_F32_NR 8

typedef struct selrt_shared_gemm_f32_args {
  const float *a;
  size_t lda, ak;
  const float *b;
  size_t ldb, bps;
  int32_t packed;
  float *c;
  size_t ldc;
  const float *bias;
  int32_t m, n, k;
  int32_t accumulate;
  float lo, hi;
  int32_t simd;       /* selrt_shared_simd_avx2(s) (shared/simd.h): detected once per session */
} selrt_shared_gemm_f32_args;

void selrt_shared_gemm_f32(const selrt_shared_gemm_f32_args *g);

/* selrt_shared_gemm_f32 split across the session's tasks (threaded builds,
 * SELRT_THREADS): blocks of 24 rows (whole 8- and 6-row tiles), or, for a
 * packed B with few rows, blocks of 16 columns (whole panel pairs). Every
 * element keeps its k order: the result is bit-identical to one call. Other
 * builds: the plain call. */
#ifdef SELRT_THREADS
void selrt_shared_gemm_f32_par(selrt_session *s, const selrt_shared_gemm_f32_args *g);
#else
#define selrt_shared_gemm_f32_par(s, g) selrt_shared_gemm_f32(g)
#endif

/* Load-time check shared by conv2d.f32 and transpose_conv.f32: f32 NHWC x and
 * y with equal batch, weights in the converter's GEMM block layout
 * [ceil(Cout/NR), KH, KW, Cin, NR], optional bias of Cout values, and element
 * counts that fit the int32 index math of run. */
selrt_status selrt_shared_gemm_f32_conv_check(const selrt_tensor *x, const selrt_tensor *w,
                                              const selrt_tensor *b, const selrt_tensor *y);

/* [*lo, *hi): the indices j in [0, J) for which j*s + off lies in [0, I). */
void selrt_shared_gemm_f32_span(int64_t off, int64_t s, int64_t I, int64_t J, int32_t *lo, int32_t *hi);

#endif
