/* See gemm_f32.h. Register tiles of 4 rows x 8 columns (two SIMD vectors on
 * SSE/NEON): plain C with fixed trip counts is enough for clang/gcc -O2 to keep
 * the 32 accumulators in registers and vectorize over n. Loop order: a block
 * of B columns that fits L2, then blocks of rows whose A and C parts stay in
 * cache while each 8-column B panel (L1) passes over them, k innermost.
 *
 * x86-64 speed builds also compile the same C a second time for AVX2+FMA
 * (one 8-wide FMA per tile row and k; 6x16 tiles over two adjacent panels
 * where there are two) and pick it at run time: the baseline
 * x86-64 ABI only guarantees SSE2, which would leave host benchmarks 2-3x
 * slower than libraries that dispatch. No global state.
 *
 * arm64 speed builds take B with contiguous k steps (the converter's packed
 * weights) through NEON tiles of 4 rows x 16 or 8 columns instead (see
 * "arm64 speed builds" below); plain-B products (batch_matmul) keep the
 * vector-type tiles, 8 rows there. */
#include "gemm_f32.h"

#include <string.h>

/* Forced inlining makes the panel loop's row count a constant per variant. */
#if defined(__clang__) || defined(__GNUC__)
#define SELRT_GEMM_INLINE static inline __attribute__((always_inline))
#else
#define SELRT_GEMM_INLINE static inline
#endif
#include "simd.h"
#ifdef SELRT_SHARED_SIMD_AVX2
#define SELRT_GEMM_AVX2 1
#endif

#define SELRT_GEMM_NR SELRT_SHARED_GEMM_F32_NR
/* Rows per register tile: 8 where there are 32 vector registers (arm64) or
 * 8-wide FMA needs 8 independent chains (the AVX2 variant), else 4. */
#define SELRT_GEMM_MR_MAX 8
#if defined(__aarch64__) && defined(SELRT_PROFILE_SPEED)
#define SELRT_GEMM_MR 8
#else
#define SELRT_GEMM_MR 4
#endif
/* Cache blocking, in floats: A rows + C tile of a row block (64 KB), B block
 * (256 KB). Sized for the smallest L2 of the targets (256 KB-1 MB). */
#define SELRT_GEMM_A_BLOCK 16384
#define SELRT_GEMM_B_BLOCK 65536

/* Tiles are written with GNU C vector types (clang and gcc, every target
 * selbuild builds for): an 8-float vector is one tile row -- two SSE/NEON
 * registers, one AVX register -- and the code stays vectorized even at -Oz,
 * where the compilers' auto-vectorizers are off. Loads and stores go through
 * memcpy (no alignment or aliasing assumptions; compiled to vector moves). */
typedef float selrt_shared_gemm_f32_v8 __attribute__((vector_size(32)));
typedef int32_t selrt_shared_gemm_f32_m8 __attribute__((vector_size(32)));
#define SELRT_GEMM_V8 selrt_shared_gemm_f32_v8
#define SELRT_GEMM_M8 selrt_shared_gemm_f32_m8

/* Vectors are never passed to or returned from functions (no ABI question
 * for 32-byte vectors without AVX): loads and clamped stores are macros. */
#define SELRT_GEMM_LOAD(v, p) memcpy(&(v), (p), sizeof(SELRT_GEMM_V8))
/* Tile row v, clamped to [vlo, vhi] (a NaN passes through), stored at p. */
#define SELRT_GEMM_STORE(v, p)                                                           \
  do {                                                                                   \
    SELRT_GEMM_V8 st_ = (v);                                                             \
    SELRT_GEMM_M8 m_ = st_ < vlo;                                                        \
    st_ = (SELRT_GEMM_V8)((m_ & (SELRT_GEMM_M8)vlo) | (~m_ & (SELRT_GEMM_M8)st_));       \
    m_ = st_ > vhi;                                                                      \
    st_ = (SELRT_GEMM_V8)((m_ & (SELRT_GEMM_M8)vhi) | (~m_ & (SELRT_GEMM_M8)st_));       \
    memcpy((p), &st_, sizeof st_);                                                       \
  } while (0)

/* 4 rows x 8 columns. `init` rows are ldi apart (0 repeats the bias row). */
SELRT_GEMM_INLINE void selrt_shared_gemm_f32_4x8(int32_t K, const float *restrict a, size_t lda, size_t ak,
                                                 const float *restrict b, size_t ldb, const float *init,
                                                 size_t ldi, float *c, size_t ldc, float lo, float hi) {
  SELRT_GEMM_V8 c0, c1, c2, c3, w;
  SELRT_GEMM_LOAD(c0, init);
  SELRT_GEMM_LOAD(c1, init + ldi);
  SELRT_GEMM_LOAD(c2, init + 2 * ldi);
  SELRT_GEMM_LOAD(c3, init + 3 * ldi);
  const float *restrict a1 = a + lda, *restrict a2 = a + 2 * lda, *restrict a3 = a + 3 * lda;
  for (int32_t k = 0; k < K; k++) {
    SELRT_GEMM_LOAD(w, b + (size_t)k * ldb);
    const size_t o = (size_t)k * ak;
    c0 += w * a[o];
    c1 += w * a1[o];
    c2 += w * a2[o];
    c3 += w * a3[o];
  }
  const SELRT_GEMM_V8 vlo = (SELRT_GEMM_V8){0} + lo, vhi = (SELRT_GEMM_V8){0} + hi;
  SELRT_GEMM_STORE(c0, c);
  SELRT_GEMM_STORE(c1, c + ldc);
  SELRT_GEMM_STORE(c2, c + 2 * ldc);
  SELRT_GEMM_STORE(c3, c + 3 * ldc);
}

/* 1 row x 8 columns (leftover rows, and every row of a matrix-vector product). */
SELRT_GEMM_INLINE void selrt_shared_gemm_f32_1x8(int32_t K, const float *restrict a, size_t ak,
                                                 const float *restrict b, size_t ldb, const float *init,
                                                 float *c, float lo, float hi) {
  SELRT_GEMM_V8 c0, w;
  SELRT_GEMM_LOAD(c0, init);
  for (int32_t k = 0; k < K; k++) {
    SELRT_GEMM_LOAD(w, b + (size_t)k * ldb);
    c0 += w * a[(size_t)k * ak];
  }
  const SELRT_GEMM_V8 vlo = (SELRT_GEMM_V8){0} + lo, vhi = (SELRT_GEMM_V8){0} + hi;
  SELRT_GEMM_STORE(c0, c);
}

#if SELRT_GEMM_MR == 8 || defined(SELRT_GEMM_AVX2)
/* 8 rows x 8 columns, for speed builds with enough registers: arm64 (32) and
 * the AVX2 variant, where 4 rows would leave the FMA units waiting on latency. */
SELRT_GEMM_INLINE void selrt_shared_gemm_f32_8x8(int32_t K, const float *restrict a, size_t lda, size_t ak,
                                                 const float *restrict b, size_t ldb, const float *init,
                                                 size_t ldi, float *c, size_t ldc, float lo, float hi) {
  SELRT_GEMM_V8 acc[8], w;
  for (int r = 0; r < 8; r++) SELRT_GEMM_LOAD(acc[r], init + r * ldi);
  for (int32_t k = 0; k < K; k++) {
    SELRT_GEMM_LOAD(w, b + (size_t)k * ldb);
    const float *restrict ak0 = a + (size_t)k * ak;
    for (int r = 0; r < 8; r++) acc[r] += w * ak0[r * lda];
  }
  const SELRT_GEMM_V8 vlo = (SELRT_GEMM_V8){0} + lo, vhi = (SELRT_GEMM_V8){0} + hi;
  for (int r = 0; r < 8; r++) SELRT_GEMM_STORE(acc[r], c + r * ldc);
}
#endif

#ifdef SELRT_GEMM_AVX2
/* 6 rows x 16 columns: two adjacent 8-column panels at once (b0, b1), 12
 * accumulators. Each k loads two B vectors and broadcasts 6 A values for 12
 * FMAs (96 multiply-adds), where 8x8 needs 9 loads for 8 FMAs: half the
 * loads and instructions per multiply-add, and still 12 independent FMA
 * chains to cover the latency. AVX2 variant only (16 vector registers). */
SELRT_GEMM_INLINE void selrt_shared_gemm_f32_6x16(int32_t K, const float *restrict a, size_t lda, size_t ak,
                                                  const float *restrict b0, const float *restrict b1, size_t ldb,
                                                  const float *init, size_t ldi, float *c, size_t ldc,
                                                  float lo, float hi) {
  SELRT_GEMM_V8 acc0[6], acc1[6], w0, w1;
  for (int r = 0; r < 6; r++) {
    SELRT_GEMM_LOAD(acc0[r], init + r * ldi);
    SELRT_GEMM_LOAD(acc1[r], init + r * ldi + SELRT_GEMM_NR);
  }
  const float *restrict a0 = a, *restrict a1 = a + lda, *restrict a2 = a + 2 * lda;
  const float *restrict a3 = a + 3 * lda, *restrict a4 = a + 4 * lda, *restrict a5 = a + 5 * lda;
  for (int32_t k = 0; k < K; k++) {
    SELRT_GEMM_LOAD(w0, b0 + (size_t)k * ldb);
    SELRT_GEMM_LOAD(w1, b1 + (size_t)k * ldb);
    const size_t o = (size_t)k * ak;
    float x;
    x = a0[o]; acc0[0] += w0 * x; acc1[0] += w1 * x;
    x = a1[o]; acc0[1] += w0 * x; acc1[1] += w1 * x;
    x = a2[o]; acc0[2] += w0 * x; acc1[2] += w1 * x;
    x = a3[o]; acc0[3] += w0 * x; acc1[3] += w1 * x;
    x = a4[o]; acc0[4] += w0 * x; acc1[4] += w1 * x;
    x = a5[o]; acc0[5] += w0 * x; acc1[5] += w1 * x;
  }
  const SELRT_GEMM_V8 vlo = (SELRT_GEMM_V8){0} + lo, vhi = (SELRT_GEMM_V8){0} + hi;
  for (int r = 0; r < 6; r++) {
    SELRT_GEMM_STORE(acc0[r], c + r * ldc);
    SELRT_GEMM_STORE(acc1[r], c + r * ldc + SELRT_GEMM_NR);
  }
}
#define SELRT_GEMM_ZEROS (2 * SELRT_GEMM_NR)
#elif defined(__aarch64__) && defined(SELRT_PROFILE_SPEED)
#define SELRT_GEMM_ZEROS (2 * SELRT_GEMM_NR) /* the bias row of a two-panel NEON tile */
#else
#define SELRT_GEMM_ZEROS SELRT_GEMM_NR
#endif

#if defined(__aarch64__) && defined(SELRT_PROFILE_SPEED)
/* arm64 speed builds: NEON register tiles of MR (1-4) rows x 8*NP columns
 * (one or two adjacent 8-column panels) for B whose k steps are contiguous
 * (ldb == 8: the converter's packed weights) and A rows with ak == 1. Eight
 * k steps at a time: each A row is two q registers (its next 8 values), B
 * comes in 16-float blocks (two k steps of a panel, one ld1 of 4 registers),
 * and every multiply-add is an fmla by element: at MR=4, NP=2 that is 4 A
 * loads + 8 B loads for 128 fmla (512 multiply-adds), 16 accumulators + 8 A
 * + 4 B registers, no spills. Bias/accumulate init and the activation clamp
 * are in the tile's prologue and epilogue. */
#include <arm_neon.h>
#define SELRT_GEMM_NEON 1

/* Two k steps of panel P: B block at BP (k, k+1), A lanes L0, L1 of AV[r]. */
#define SELRT_GEMM_NEON_2K(P, BP, AV, L0, L1)                                        \
  do {                                                                               \
    const float32x4x4_t t_ = vld1q_f32_x4(BP);                                       \
    for (int r = 0; r < MR; r++) {                                                   \
      acc[r][2 * (P)] = vfmaq_laneq_f32(acc[r][2 * (P)], t_.val[0], AV[r], L0);         \
      acc[r][2 * (P) + 1] = vfmaq_laneq_f32(acc[r][2 * (P) + 1], t_.val[1], AV[r], L0); \
      acc[r][2 * (P)] = vfmaq_laneq_f32(acc[r][2 * (P)], t_.val[2], AV[r], L1);         \
      acc[r][2 * (P) + 1] = vfmaq_laneq_f32(acc[r][2 * (P) + 1], t_.val[3], AV[r], L1); \
    }                                                                                \
  } while (0)

/* The 4-row main loop is written in assembly: compilers hoist the B loads of
 * the intrinsic version so far ahead that the accumulators spill. Fixed
 * registers: A rows v0-v3 (k..k+3) and v4-v7 (k+4..k+7), B blocks v24-v27
 * and v28-v31 (double-buffered); the compiler places the accumulators in
 * the 16 left (v8-v23). One fmla: tile vector C (row r, 4-column group j)
 * += B vector B * lane L of A register A. */
#define SELRT_GEMM_ASM_F(C, B, A, L) "fmla %[" #C "].4s, " #B ".4s, " #A ".s[" #L "]\n\t"
#define SELRT_GEMM_ASM_LDA                                                            \
  "ldp q0, q4, [%[a0]], #32\n\t"                                                      \
  "ldp q1, q5, [%[a1]], #32\n\t"                                                      \
  "ldp q2, q6, [%[a2]], #32\n\t"                                                      \
  "ldp q3, q7, [%[a3]], #32\n\t"
#define SELRT_GEMM_ASM_LDB(R0, R1, R2, R3, P) \
  "ld1 {" #R0 ".4s, " #R1 ".4s, " #R2 ".4s, " #R3 ".4s}, [%[" #P "]], #64\n\t"
#define SELRT_GEMM_ASM_LD24(P) SELRT_GEMM_ASM_LDB(v24, v25, v26, v27, P)
#define SELRT_GEMM_ASM_LD28(P) SELRT_GEMM_ASM_LDB(v28, v29, v30, v31, P)
/* Eight k steps of one panel (column groups J0, J1, B pointer P); its first
 * B block must be in v24-v27 already, NEXT (optional) loads another block
 * there for the next panel. */
#define SELRT_GEMM_ASM_8K(FK, J0, J1, P, NEXT)                                         \
  SELRT_GEMM_ASM_LD28(P)                                                               \
  SELRT_GEMM_ASM_2K_A(FK, J0, J1, v24, v25, v26, v27, 0, 1, v0, v1, v2, v3)            \
  SELRT_GEMM_ASM_LD24(P)                                                               \
  SELRT_GEMM_ASM_2K_A(FK, J0, J1, v28, v29, v30, v31, 2, 3, v0, v1, v2, v3)            \
  SELRT_GEMM_ASM_LD28(P)                                                               \
  SELRT_GEMM_ASM_2K_A(FK, J0, J1, v24, v25, v26, v27, 0, 1, v4, v5, v6, v7)            \
  NEXT                                                                                 \
  SELRT_GEMM_ASM_2K_A(FK, J0, J1, v28, v29, v30, v31, 2, 3, v4, v5, v6, v7)
#define SELRT_GEMM_ASM_2K_A(FK, J0, J1, B0, B1, B2, B3, L0, L1, X0, X1, X2, X3)         \
  FK(J0, J1, B0, B1, L0, X0, X1, X2, X3)                                                \
  FK(J0, J1, B2, B3, L1, X0, X1, X2, X3)
/* The k step of one row (matrix-vector products: fully_connected's M = 1). */
#define SELRT_GEMM_ASM_FK1(J0, J1, B0, B1, L, X0, X1, X2, X3) \
  SELRT_GEMM_ASM_F(c0##J0, B0, X0, L) SELRT_GEMM_ASM_F(c0##J1, B1, X0, L)
/* The k step of 4 rows, fmla written by F (operand or fixed accumulators). */
#define SELRT_GEMM_ASM_K4(F, J0, J1, B0, B1, L, X0, X1, X2, X3)                         \
  F(c0##J0, B0, X0, L) F(c0##J1, B1, X0, L) F(c1##J0, B0, X1, L) F(c1##J1, B1, X1, L)    \
  F(c2##J0, B0, X2, L) F(c2##J1, B1, X2, L) F(c3##J0, B0, X3, L) F(c3##J1, B1, X3, L)
#define SELRT_GEMM_ASM_FK(...) SELRT_GEMM_ASM_K4(SELRT_GEMM_ASM_F, __VA_ARGS__)
/* The 4-row loop over k8 groups of 8 k steps: two panels (b0, b1) or one. */
#define SELRT_GEMM_ASM_LOOP2(FK)                                                        \
  "1:\n\t" SELRT_GEMM_ASM_LD24(b0) SELRT_GEMM_ASM_LDA                                   \
  SELRT_GEMM_ASM_8K(FK, 0, 1, b0, SELRT_GEMM_ASM_LD24(b1)) SELRT_GEMM_ASM_8K(FK, 2, 3, b1, ) \
  "subs %w[n], %w[n], #1\n\t" "b.ne 1b\n\t"
#define SELRT_GEMM_ASM_LOOP1(FK)                                                        \
  "1:\n\t" SELRT_GEMM_ASM_LD24(b0) SELRT_GEMM_ASM_LDA SELRT_GEMM_ASM_8K(FK, 0, 1, b0, )  \
  "subs %w[n], %w[n], #1\n\t" "b.ne 1b\n\t"
#define SELRT_GEMM_ASM_OUT_P0                                                          \
  [c00] "+w"(acc[0][0]), [c01] "+w"(acc[0][1]), [c10] "+w"(acc[1][0]), [c11] "+w"(acc[1][1]), \
  [c20] "+w"(acc[2][0]), [c21] "+w"(acc[2][1]), [c30] "+w"(acc[3][0]), [c31] "+w"(acc[3][1]), \
  [a0] "+r"(ar[0]), [a1] "+r"(ar[1]), [a2] "+r"(ar[2]), [a3] "+r"(ar[3]), [b0] "+r"(b0), [n] "+r"(k8)
#define SELRT_GEMM_ASM_CLOBBER \
  "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v24", "v25", "v26", "v27", "v28", "v29", "v30", "v31", "cc", "memory"

/* The whole 4x16 / 4x8 tile in assembly when K is a multiple of 8 (every 1x1
 * convolution of MobileNet-style networks): accumulators fixed in v8-v23
 * (row r, 4-column group j in v(8+4r+j)), so the init rows and the output
 * rows are one 4-register ld1/st1 each and the compiler has nothing to spill
 * around the loop; after it, v24/v25 hold the clamp bounds. */
#define SELRT_GEMM_ASM_REG_c00 "v8"
#define SELRT_GEMM_ASM_REG_c01 "v9"
#define SELRT_GEMM_ASM_REG_c02 "v10"
#define SELRT_GEMM_ASM_REG_c03 "v11"
#define SELRT_GEMM_ASM_REG_c10 "v12"
#define SELRT_GEMM_ASM_REG_c11 "v13"
#define SELRT_GEMM_ASM_REG_c12 "v14"
#define SELRT_GEMM_ASM_REG_c13 "v15"
#define SELRT_GEMM_ASM_REG_c20 "v16"
#define SELRT_GEMM_ASM_REG_c21 "v17"
#define SELRT_GEMM_ASM_REG_c22 "v18"
#define SELRT_GEMM_ASM_REG_c23 "v19"
#define SELRT_GEMM_ASM_REG_c30 "v20"
#define SELRT_GEMM_ASM_REG_c31 "v21"
#define SELRT_GEMM_ASM_REG_c32 "v22"
#define SELRT_GEMM_ASM_REG_c33 "v23"
#define SELRT_GEMM_ASM_FX(C, B, A, L) "fmla " SELRT_GEMM_ASM_REG_##C ".4s, " #B ".4s, " #A ".s[" #L "]\n\t"
#define SELRT_GEMM_ASM_FKX(...) SELRT_GEMM_ASM_K4(SELRT_GEMM_ASM_FX, __VA_ARGS__)
#define SELRT_GEMM_ASM_CLAMP(R)                                                        \
  "fmax v" #R ".4s, v" #R ".4s, v24.4s\n\t" "fmin v" #R ".4s, v" #R ".4s, v25.4s\n\t"

#define SELRT_GEMM_ASM_TILE_OPS                                                                   \
  : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [b0] "+r"(b0), [b1] "+r"(b1),         \
    [n] "+r"(k8), [init] "+r"(init), [c] "+r"(c)                                                      \
  : [ldi] "r"(ldib), [ldc] "r"(ldcb), [lo] "r"(lob), [hi] "r"(hib)                                    \
  : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v8", "v9", "v10", "v11", "v12", "v13", "v14", "v15", \
    "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24", "v25", "v26", "v27", "v28", "v29",     \
    "v30", "v31", "cc", "memory"
/* Four tile rows to or from memory: OP (ld1/st1) of each row's registers at
 * pointer P, P advancing by stride S between rows. */
#define SELRT_GEMM_ASM_ROWS(OP, P, S, R0, R1, R2, R3)                                 \
  OP " {" R0 "}, [%[" P "]], %[" S "]\n\t" OP " {" R1 "}, [%[" P "]], %[" S "]\n\t"   \
  OP " {" R2 "}, [%[" P "]], %[" S "]\n\t" OP " {" R3 "}, [%[" P "]]\n\t"
#define SELRT_GEMM_ASM_ROWS16                                                         \
  "v8.4s, v9.4s, v10.4s, v11.4s", "v12.4s, v13.4s, v14.4s, v15.4s", "v16.4s, v17.4s, v18.4s, v19.4s", \
  "v20.4s, v21.4s, v22.4s, v23.4s"
#define SELRT_GEMM_ASM_ROWS8 "v8.4s, v9.4s", "v12.4s, v13.4s", "v16.4s, v17.4s", "v20.4s, v21.4s"
#define SELRT_GEMM_ASM_ROWS_(...) SELRT_GEMM_ASM_ROWS(__VA_ARGS__) /* expands a register-list macro first */
#define SELRT_GEMM_ASM_BOUNDS "dup v24.4s, %w[lo]\n\t" "dup v25.4s, %w[hi]\n\t"

/* C rows c + r*ldc = clamp(init rows init + r*ldi + A B), 4 rows x 8*NP
 * columns, K % 8 == 0, K >= 8. */
SELRT_GEMM_INLINE void selrt_shared_gemm_f32_neon_4xn_asm(const int NP, int32_t K, const float *a, size_t lda,
                                                          const float *b0, size_t bps, const float *init,
                                                          size_t ldi, float *c, size_t ldc, float lo, float hi) {
  const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda, *b1 = b0 + bps;
  const size_t ldib = ldi * sizeof(float), ldcb = ldc * sizeof(float);
  int32_t k8 = K >> 3;
  uint32_t lob, hib;
  memcpy(&lob, &lo, sizeof lob);
  memcpy(&hib, &hi, sizeof hib);
  if (NP == 2)
    __asm__ __volatile__(
        SELRT_GEMM_ASM_ROWS_("ld1", "init", "ldi", SELRT_GEMM_ASM_ROWS16)
        SELRT_GEMM_ASM_LOOP2(SELRT_GEMM_ASM_FKX)
        SELRT_GEMM_ASM_BOUNDS
        SELRT_GEMM_ASM_CLAMP(8) SELRT_GEMM_ASM_CLAMP(9) SELRT_GEMM_ASM_CLAMP(10) SELRT_GEMM_ASM_CLAMP(11)
        SELRT_GEMM_ASM_CLAMP(12) SELRT_GEMM_ASM_CLAMP(13) SELRT_GEMM_ASM_CLAMP(14) SELRT_GEMM_ASM_CLAMP(15)
        SELRT_GEMM_ASM_CLAMP(16) SELRT_GEMM_ASM_CLAMP(17) SELRT_GEMM_ASM_CLAMP(18) SELRT_GEMM_ASM_CLAMP(19)
        SELRT_GEMM_ASM_CLAMP(20) SELRT_GEMM_ASM_CLAMP(21) SELRT_GEMM_ASM_CLAMP(22) SELRT_GEMM_ASM_CLAMP(23)
        SELRT_GEMM_ASM_ROWS_("st1", "c", "ldc", SELRT_GEMM_ASM_ROWS16)
        SELRT_GEMM_ASM_TILE_OPS);
  else
    __asm__ __volatile__(
        SELRT_GEMM_ASM_ROWS_("ld1", "init", "ldi", SELRT_GEMM_ASM_ROWS8)
        SELRT_GEMM_ASM_LOOP1(SELRT_GEMM_ASM_FKX)
        SELRT_GEMM_ASM_BOUNDS
        SELRT_GEMM_ASM_CLAMP(8) SELRT_GEMM_ASM_CLAMP(9) SELRT_GEMM_ASM_CLAMP(12) SELRT_GEMM_ASM_CLAMP(13)
        SELRT_GEMM_ASM_CLAMP(16) SELRT_GEMM_ASM_CLAMP(17) SELRT_GEMM_ASM_CLAMP(20) SELRT_GEMM_ASM_CLAMP(21)
        SELRT_GEMM_ASM_ROWS_("st1", "c", "ldc", SELRT_GEMM_ASM_ROWS8)
        SELRT_GEMM_ASM_TILE_OPS);
}

SELRT_GEMM_INLINE void selrt_shared_gemm_f32_neon(const int MR, const int NP, int32_t K, const float *a,
                                                  size_t lda, const float *b, size_t bps, const float *init,
                                                  size_t ldi, float *c, size_t ldc, float lo, float hi) {
  float32x4_t acc[4][4], a0[4], a1[4];
  const float *ar[4];
  const float *b0 = b, *b1 = b + bps;
  for (int r = 0; r < MR; r++) {
    ar[r] = a + (size_t)r * lda;
    for (int j = 0; j < 2 * NP; j++) acc[r][j] = vld1q_f32(init + (size_t)r * ldi + 4 * j);
  }
  int32_t k8 = K >> 3;
  if (MR == 4 && NP == 2 && k8 > 0) {
    __asm__ __volatile__(
        SELRT_GEMM_ASM_LOOP2(SELRT_GEMM_ASM_FK)
        : SELRT_GEMM_ASM_OUT_P0, [c02] "+w"(acc[0][2]), [c03] "+w"(acc[0][3]), [c12] "+w"(acc[1][2]),
          [c13] "+w"(acc[1][3]), [c22] "+w"(acc[2][2]), [c23] "+w"(acc[2][3]), [c32] "+w"(acc[3][2]),
          [c33] "+w"(acc[3][3]), [b1] "+r"(b1)
        :
        : SELRT_GEMM_ASM_CLOBBER);
  } else if (MR == 4 && NP == 1 && k8 > 0) {
    __asm__ __volatile__(
        SELRT_GEMM_ASM_LOOP1(SELRT_GEMM_ASM_FK)
        : SELRT_GEMM_ASM_OUT_P0
        :
        : SELRT_GEMM_ASM_CLOBBER);
  } else if (MR == 1 && NP == 2 && k8 > 0) {
    __asm__ __volatile__(
        "1:\n\t"
        SELRT_GEMM_ASM_LD24(b0)
        "ldp q0, q4, [%[a0]], #32\n\t"
        SELRT_GEMM_ASM_8K(SELRT_GEMM_ASM_FK1, 0, 1, b0, SELRT_GEMM_ASM_LD24(b1))
        SELRT_GEMM_ASM_8K(SELRT_GEMM_ASM_FK1, 2, 3, b1, )
        "subs %w[n], %w[n], #1\n\t"
        "b.ne 1b\n\t"
        : [c00] "+w"(acc[0][0]), [c01] "+w"(acc[0][1]), [c02] "+w"(acc[0][2]), [c03] "+w"(acc[0][3]),
          [a0] "+r"(ar[0]), [b0] "+r"(b0), [b1] "+r"(b1), [n] "+r"(k8)
        :
        : SELRT_GEMM_ASM_CLOBBER);
  }
  if (MR == 4 || (MR == 1 && NP == 2)) k8 = 0; /* done above (the compiler cannot see the count reach 0) */
  for (; k8 > 0; k8--) {
    for (int r = 0; r < MR; r++) {
      a0[r] = vld1q_f32(ar[r]);
      a1[r] = vld1q_f32(ar[r] + 4);
      ar[r] += 8;
    }
    SELRT_GEMM_NEON_2K(0, b0, a0, 0, 1);
    SELRT_GEMM_NEON_2K(0, b0 + 16, a0, 2, 3);
    SELRT_GEMM_NEON_2K(0, b0 + 32, a1, 0, 1);
    SELRT_GEMM_NEON_2K(0, b0 + 48, a1, 2, 3);
    b0 += 64;
    if (NP == 2) {
      SELRT_GEMM_NEON_2K(1, b1, a0, 0, 1);
      SELRT_GEMM_NEON_2K(1, b1 + 16, a0, 2, 3);
      SELRT_GEMM_NEON_2K(1, b1 + 32, a1, 0, 1);
      SELRT_GEMM_NEON_2K(1, b1 + 48, a1, 2, 3);
      b1 += 64;
    }
  }
  if (K & 4) {
    for (int r = 0; r < MR; r++) {
      a0[r] = vld1q_f32(ar[r]);
      ar[r] += 4;
    }
    SELRT_GEMM_NEON_2K(0, b0, a0, 0, 1);
    SELRT_GEMM_NEON_2K(0, b0 + 16, a0, 2, 3);
    b0 += 32;
    if (NP == 2) {
      SELRT_GEMM_NEON_2K(1, b1, a0, 0, 1);
      SELRT_GEMM_NEON_2K(1, b1 + 16, a0, 2, 3);
      b1 += 32;
    }
  }
  for (int32_t k = K & 3; k > 0; k--) {
    const float32x4_t w0 = vld1q_f32(b0), w1 = vld1q_f32(b0 + 4);
    const float32x4_t w2 = vld1q_f32(b1), w3 = vld1q_f32(b1 + 4);
    for (int r = 0; r < MR; r++) {
      const float x = *ar[r]++;
      acc[r][0] = vfmaq_n_f32(acc[r][0], w0, x);
      acc[r][1] = vfmaq_n_f32(acc[r][1], w1, x);
      if (NP == 2) {
        acc[r][2] = vfmaq_n_f32(acc[r][2], w2, x);
        acc[r][3] = vfmaq_n_f32(acc[r][3], w3, x);
      }
    }
    b0 += 8;
    b1 += 8;
  }
  /* fmax/fmin: a NaN stays NaN, as in the portable clamp. */
  const float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi);
  for (int r = 0; r < MR; r++)
    for (int j = 0; j < 2 * NP; j++)
      vst1q_f32(c + (size_t)r * ldc + 4 * j, vminq_f32(vmaxq_f32(acc[r][j], vlo), vhi));
}

/* Rows [m0, m1) of NP panels at columns [n0, n0 + 8*NP): full panels, or one
 * partial last panel (nr < 8, NP = 1) through a local tile. */
SELRT_GEMM_INLINE void selrt_shared_gemm_f32_neon_rows(const int NP, const selrt_shared_gemm_f32_args *g,
                                                       int32_t m0, int32_t m1, int32_t n0, int32_t nr,
                                                       const float *b, const float *zeros) {
  /* Fields in locals: the asm blocks clobber memory, which would reload them every tile. */
  const size_t lda = g->lda, ldc = g->ldc, bps = g->bps;
  const int32_t K = g->k, acc = g->accumulate, asm_k = K >= 8 && (K & 7) == 0;
  const float lo = g->lo, hi = g->hi, *const abase = g->a;
  float *const cbase = g->c + n0;
  const float *const bias = g->bias ? g->bias + n0 : zeros;
  float tile[4][SELRT_GEMM_NR];
  for (int32_t m = m0; m < m1; m += 4) {
    const int32_t mr = m1 - m >= 4 ? 4 : m1 - m;
    const float *a = abase + (size_t)m * lda;
    float *c = cbase + (size_t)m * ldc;
    const float *init = acc ? c : bias;
    size_t ldi = acc ? ldc : 0, ldo = ldc;
    float *out = c;
    if (nr < SELRT_GEMM_NR) {
      for (int32_t r = 0; r < mr; r++)
        for (int32_t j = 0; j < SELRT_GEMM_NR; j++) tile[r][j] = j < nr ? init[r * ldi + j] : 0.0f;
      init = out = &tile[0][0];
      ldi = ldo = SELRT_GEMM_NR;
    }
    if (mr == 4 && asm_k)
      selrt_shared_gemm_f32_neon_4xn_asm(NP, K, a, lda, b, bps, init, ldi, out, ldo, lo, hi);
    else if (mr == 4)
      selrt_shared_gemm_f32_neon(4, NP, K, a, lda, b, bps, init, ldi, out, ldo, lo, hi);
    else if (mr == 3)
      selrt_shared_gemm_f32_neon(3, NP, K, a, lda, b, bps, init, ldi, out, ldo, lo, hi);
    else if (mr == 2)
      selrt_shared_gemm_f32_neon(2, NP, K, a, lda, b, bps, init, ldi, out, ldo, lo, hi);
    else
      selrt_shared_gemm_f32_neon(1, NP, K, a, lda, b, bps, init, ldi, out, ldo, lo, hi);
    if (nr < SELRT_GEMM_NR)
      for (int32_t r = 0; r < mr; r++)
        for (int32_t j = 0; j < nr; j++) c[r * ldc + j] = tile[r][j];
  }
}
#endif

/* The bias row of a bias-less GEMM (read-only data, not state; file scope so
 * that its symbol carries the helper's prefix with every compiler). */
static const float selrt_shared_gemm_f32_zeros[SELRT_GEMM_ZEROS] = {0};

/* Rows [m0, m1) of one panel: columns [n0, n0 + nr). A partial panel (nr < 8,
 * packed B only) runs on a local 4x8 tile so the kernels stay fixed-width. */
SELRT_GEMM_INLINE void selrt_shared_gemm_f32_panel(const int MR, const selrt_shared_gemm_f32_args *g,
                                                   int32_t m0, int32_t m1, int32_t n0, int32_t nr,
                                                   const float *b) {
  const size_t lda = g->lda, ak = g->ak, ldb = g->ldb, ldc = g->ldc;
  float tile[SELRT_GEMM_MR_MAX][SELRT_GEMM_NR];
  for (int32_t m = m0; m < m1;) {
    const int32_t mr = m1 - m >= MR ? MR : m1 - m >= 4 ? 4 : 1;
    const float *a = g->a + (size_t)m * lda;
    float *c = g->c + (size_t)m * ldc + n0;
    const float *init = g->accumulate ? c : g->bias ? g->bias + n0 : selrt_shared_gemm_f32_zeros;
    size_t ldi = g->accumulate ? ldc : 0, ldo = ldc;
    float *out = c;
    if (nr < SELRT_GEMM_NR) {
      for (int32_t r = 0; r < mr; r++)
        for (int32_t j = 0; j < SELRT_GEMM_NR; j++)
          tile[r][j] = j < nr ? init[r * ldi + j] : 0.0f;
      init = out = &tile[0][0];
      ldi = ldo = SELRT_GEMM_NR;
    }
#if SELRT_GEMM_MR == 8 || defined(SELRT_GEMM_AVX2)
    if (mr == 8)
      selrt_shared_gemm_f32_8x8(g->k, a, lda, ak, b, ldb, init, ldi, out, ldo, g->lo, g->hi);
    else
#endif
    if (mr == 4)
      selrt_shared_gemm_f32_4x8(g->k, a, lda, ak, b, ldb, init, ldi, out, ldo, g->lo, g->hi);
    else
      selrt_shared_gemm_f32_1x8(g->k, a, ak, b, ldb, init, out, g->lo, g->hi);
    if (nr < SELRT_GEMM_NR)
      for (int32_t r = 0; r < mr; r++)
        for (int32_t j = 0; j < nr; j++) c[r * ldc + j] = tile[r][j];
    m += mr;
  }
}

#ifdef SELRT_GEMM_AVX2
/* The same panel code, compiled for AVX2+FMA (the inlined helpers inherit it). */
SELRT_SHARED_SIMD_TARGET_AVX2 static void selrt_shared_gemm_f32_panel_avx2(
    const selrt_shared_gemm_f32_args *g, int32_t m0, int32_t m1, int32_t n0, int32_t nr, const float *b) {
  selrt_shared_gemm_f32_panel(8, g, m0, m1, n0, nr, b);
}

/* Rows [m0, m1) of two full adjacent panels (columns [n0, n0 + 16)): 6-row
 * tiles, then the leftover rows on each panel with the 8-column tiles. */
SELRT_SHARED_SIMD_TARGET_AVX2 static void selrt_shared_gemm_f32_pair_avx2(
    const selrt_shared_gemm_f32_args *g, int32_t m0, int32_t m1, int32_t n0, const float *b) {
  const size_t lda = g->lda, ldc = g->ldc;
  int32_t m = m0;
  for (; m1 - m >= 6; m += 6) {
    float *c = g->c + (size_t)m * ldc + n0;
    const float *init = g->accumulate ? c : g->bias ? g->bias + n0 : selrt_shared_gemm_f32_zeros;
    selrt_shared_gemm_f32_6x16(g->k, g->a + (size_t)m * lda, lda, g->ak, b, b + g->bps, g->ldb, init,
                               g->accumulate ? ldc : 0, c, ldc, g->lo, g->hi);
  }
  if (m < m1) {
    selrt_shared_gemm_f32_panel(8, g, m, m1, n0, SELRT_GEMM_NR, b);
    selrt_shared_gemm_f32_panel(8, g, m, m1, n0 + SELRT_GEMM_NR, SELRT_GEMM_NR, b + g->bps);
  }
}

static void selrt_shared_gemm_f32_panel_base(const selrt_shared_gemm_f32_args *g, int32_t m0, int32_t m1,
                                             int32_t n0, int32_t nr, const float *b) {
  selrt_shared_gemm_f32_panel(4, g, m0, m1, n0, nr, b);
}

#else
#define selrt_shared_gemm_f32_panel_base(...) selrt_shared_gemm_f32_panel(SELRT_GEMM_MR, __VA_ARGS__)
#endif

void selrt_shared_gemm_f32(const selrt_shared_gemm_f32_args *g) {
  const int32_t M = g->m, N = g->n, K = g->k;
  const int32_t k1 = K > 0 ? K : 1;
  /* Whole panels; with packed B also the zero-padded last one. */
  const int32_t nfull = g->packed ? N : N - N % SELRT_GEMM_NR;
  /* Columns per B block (~256 KB of B: stays in L2 while row blocks pass). */
  int32_t nb = SELRT_GEMM_B_BLOCK / k1;
  nb = nb < SELRT_GEMM_NR ? SELRT_GEMM_NR : nb - nb % SELRT_GEMM_NR;
  for (int32_t n0 = 0; n0 < nfull; n0 += nb) {
    const int32_t n1 = nfull - n0 > nb ? n0 + nb : nfull;
    /* Rows per block: its A rows and C tile (~64 KB) stay in cache across the panels. */
    int32_t mb = SELRT_GEMM_A_BLOCK / (k1 + (n1 - n0));
    mb = mb < 4 ? 4 : mb - mb % 4;
    for (int32_t m0 = 0; m0 < M; m0 += mb) {
      const int32_t m1 = M - m0 > mb ? m0 + mb : M;
      for (int32_t p0 = n0; p0 < n1; p0 += SELRT_GEMM_NR) {
        const int32_t nr = N - p0 < SELRT_GEMM_NR ? N - p0 : SELRT_GEMM_NR;
        const float *panel = g->b + (size_t)(p0 / SELRT_GEMM_NR) * g->bps;
#ifdef SELRT_GEMM_NEON
        if (g->ldb == SELRT_GEMM_NR && g->ak == 1) {
          if (p0 + 2 * SELRT_GEMM_NR <= n1 && p0 + 2 * SELRT_GEMM_NR <= N) {
            selrt_shared_gemm_f32_neon_rows(2, g, m0, m1, p0, SELRT_GEMM_NR, panel, selrt_shared_gemm_f32_zeros);
            p0 += SELRT_GEMM_NR; /* two panels done */
          } else {
            selrt_shared_gemm_f32_neon_rows(1, g, m0, m1, p0, nr, panel, selrt_shared_gemm_f32_zeros);
          }
          continue;
        }
#endif
#ifdef SELRT_GEMM_AVX2
        if (g->simd) {
          if (p0 + 2 * SELRT_GEMM_NR <= n1 && p0 + 2 * SELRT_GEMM_NR <= N) {
            selrt_shared_gemm_f32_pair_avx2(g, m0, m1, p0, panel);
            p0 += SELRT_GEMM_NR; /* two panels done */
          } else {
            selrt_shared_gemm_f32_panel_avx2(g, m0, m1, p0, nr, panel);
          }
          continue;
        }
#endif
        selrt_shared_gemm_f32_panel_base(g, m0, m1, p0, nr, panel);
      }
    }
  }
  /* Leftover columns of a plain B (reading 8 would overrun its rows). */
  const float *b = g->b + (size_t)(nfull / SELRT_GEMM_NR) * g->bps;
  for (int32_t j = nfull; j < N; j++)
    for (int32_t m = 0; m < M; m++) {
      const float *ar = g->a + (size_t)m * g->lda;
      float *cr = g->c + (size_t)m * g->ldc;
      float v = g->accumulate ? cr[j] : (g->bias ? g->bias[j] : 0.0f);
      for (int32_t k = 0; k < K; k++) v += ar[(size_t)k * g->ak] * b[(size_t)k * g->ldb + (j - nfull)];
      v = v < g->lo ? g->lo : v;
      cr[j] = v > g->hi ? g->hi : v;
    }
}

#ifdef SELRT_THREADS
/* Rows [r0, r1) of the GEMM, or (cols) columns [r0, r1) of a packed B. */
typedef struct selrt_shared_gemm_f32_job {
  const selrt_shared_gemm_f32_args *g;
  int32_t cols;
} selrt_shared_gemm_f32_job;

static void selrt_shared_gemm_f32_part(void *ctx, int32_t r0, int32_t r1) {
  const selrt_shared_gemm_f32_job *j = (const selrt_shared_gemm_f32_job *)ctx;
  selrt_shared_gemm_f32_args g = *j->g;
  if (j->cols) {
    g.b += (size_t)(r0 / SELRT_GEMM_NR) * g.bps;
    g.c += r0;
    if (g.bias) g.bias += r0;
    g.n = r1 - r0;
  } else {
    g.a += (size_t)r0 * g.lda;
    g.c += (size_t)r0 * g.ldc;
    g.m = r1 - r0;
  }
  selrt_shared_gemm_f32(&g);
}

void selrt_shared_gemm_f32_par(selrt_session *s, const selrt_shared_gemm_f32_args *g) {
  selrt_shared_gemm_f32_job j = {g, 0};
  if (g->m >= 48) {
    selrt_parallel_rows(s, selrt_shared_gemm_f32_part, &j, g->m, 24);
  } else if (g->packed && g->n >= 32) {
    j.cols = 1;
    selrt_parallel_rows(s, selrt_shared_gemm_f32_part, &j, g->n, 2 * SELRT_GEMM_NR);
  } else {
    selrt_shared_gemm_f32(g);
  }
}
#endif

selrt_status selrt_shared_gemm_f32_conv_check(const selrt_tensor *x, const selrt_tensor *w,
                                              const selrt_tensor *b, const selrt_tensor *y) {
  if (x->dtype != SELRT_F32 || w->dtype != SELRT_F32 || y->dtype != SELRT_F32 ||
      x->rank != 4 || w->rank != 5 || y->rank != 4 || x->dims[0] != y->dims[0] ||
      w->dims[3] != x->dims[3] || w->dims[4] != SELRT_SHARED_GEMM_F32_NR ||
      (int64_t)w->dims[0] != ((int64_t)y->dims[3] + SELRT_SHARED_GEMM_F32_NR - 1) / SELRT_SHARED_GEMM_F32_NR)
    return SELRT_ERR_UNSUPPORTED;
  if (b && (b->dtype != SELRT_F32 || selrt_numel(b) != (size_t)y->dims[3]))
    return SELRT_ERR_UNSUPPORTED;
  if (selrt_numel(x) > INT32_MAX || selrt_numel(y) > INT32_MAX) return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

void selrt_shared_gemm_f32_span(int64_t off, int64_t s, int64_t I, int64_t J, int32_t *lo, int32_t *hi) {
  int64_t l = off >= 0 ? 0 : (s - 1 - off) / s;
  int64_t h = I - 1 - off < 0 ? 0 : (I - 1 - off) / s + 1;
  if (h > J) h = J;
  if (l > h) l = h;
  *lo = (int32_t)l;
  *hi = (int32_t)h;
}
