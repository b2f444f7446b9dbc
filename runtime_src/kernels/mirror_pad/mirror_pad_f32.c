/* mirror_pad.f32: REFLECT or SYMMETRIC padding (shared/movers.h) */
#include "../shared/movers.h"

SELRT_MIRROR(mirror_pad, f32, float, SELRT_F32);
