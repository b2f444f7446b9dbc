/* matrix_diag.i8: x [..., N] -> y [..., N, N] with x on the main diagonal (shared/diag.h) */
#include "../shared/diag.h"

SELRT_DIAG(matrix_diag, i8, int8_t, SELRT_I8);
