/* matrix_set_diag.i32: y = x with its main diagonal set from d (shared/diag.h) */
#include "../shared/diag.h"

SELRT_SETDIAG(matrix_set_diag, i32, int32_t, SELRT_I32);
