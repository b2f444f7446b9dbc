/* space_to_depth.i8: the int8 twin of space_to_depth.f32, quantization unchanged (shared/movers.h) */
#include "../shared/movers.h"

SELRT_SPACE2DEPTH(space_to_depth, i8, int8_t, SELRT_I8);
