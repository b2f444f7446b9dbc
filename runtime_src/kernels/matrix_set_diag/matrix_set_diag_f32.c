/* matrix_set_diag.f32: y = x with its main diagonal set from d (shared/diag.h) */
#include "../shared/diag.h"

SELRT_SETDIAG(matrix_set_diag, f32, float, SELRT_F32);
