/* topk_v2.i32: the k largest i32 of each innermost row and their int32 indices (shared/scan.h) */
#include "../shared/scan.h"

SELRT_TOPK(topk_v2, i32, int32_t, SELRT_I32);
