/* matrix_set_diag.i8: y = x with its main diagonal set from d (shared/diag.h) */
#include "../shared/diag.h"

SELRT_SETDIAG(matrix_set_diag, i8, int8_t, SELRT_I8);
