/* matrix_diag.i32: x [..., N] -> y [..., N, N] with x on the main diagonal (shared/diag.h) */
#include "../shared/diag.h"

SELRT_DIAG(matrix_diag, i32, int32_t, SELRT_I32);
