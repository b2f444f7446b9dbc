/* sparse_to_dense.f32: float32 default_value with values written at int32/int64 indices (shared/sparse.h) */
#include "../shared/sparse.h"

SELRT_SPARSE2DENSE(sparse_to_dense, f32, float, SELRT_F32);
