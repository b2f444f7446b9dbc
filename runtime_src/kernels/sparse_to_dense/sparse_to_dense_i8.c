/* sparse_to_dense.i8: int8 (raw, one quantization) default_value with values written at int32/int64 indices (shared/sparse.h) */
#include "../shared/sparse.h"

SELRT_SPARSE2DENSE(sparse_to_dense, i8, int8_t, SELRT_I8);
