/* topk_v2.f32: the k largest f32 of each innermost row and their int32 indices (shared/scan.h) */
#include "../shared/scan.h"

SELRT_TOPK(topk_v2, f32, float, SELRT_F32);
