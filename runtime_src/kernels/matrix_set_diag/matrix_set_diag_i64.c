/* matrix_set_diag.i64: y = x with its main diagonal set from d (shared/diag.h) */
#include "../shared/diag.h"

SELRT_SETDIAG(matrix_set_diag, i64, int64_t, SELRT_I64);
