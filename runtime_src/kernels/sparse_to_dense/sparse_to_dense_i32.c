/* sparse_to_dense.i32: int32 default_value with values written at int32/int64 indices (shared/sparse.h) */
#include "../shared/sparse.h"

SELRT_SPARSE2DENSE(sparse_to_dense, i32, int32_t, SELRT_I32);
