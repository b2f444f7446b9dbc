/* matrix_diag.f32: x [..., N] -> y [..., N, N] with x on the main diagonal (shared/diag.h) */
#include "../shared/diag.h"

SELRT_DIAG(matrix_diag, f32, float, SELRT_F32);
