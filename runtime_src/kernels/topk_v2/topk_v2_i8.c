/* topk_v2.i8: the k largest i8 of each innermost row and their int32 indices (shared/scan.h) */
#include "../shared/scan.h"

SELRT_TOPK(topk_v2, i8, int8_t, SELRT_I8);
