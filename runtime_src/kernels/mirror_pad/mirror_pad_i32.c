/* mirror_pad.i32: REFLECT or SYMMETRIC padding (shared/movers.h) */
#include "../shared/movers.h"

SELRT_MIRROR(mirror_pad, i32, int32_t, SELRT_I32);
