/* sparse_to_dense.i64: int64 default_value with values written at int32/int64 indices (shared/sparse.h) */
#include "../shared/sparse.h"

SELRT_SPARSE2DENSE(sparse_to_dense, i64, int64_t, SELRT_I64);
