/* matrix_diag.i64: x [..., N] -> y [..., N, N] with x on the main diagonal (shared/diag.h) */
#include "../shared/diag.h"

SELRT_DIAG(matrix_diag, i64, int64_t, SELRT_I64);
