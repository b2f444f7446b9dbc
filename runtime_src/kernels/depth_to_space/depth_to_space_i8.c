/* depth_to_space.i8: the int8 twin of depth_to_space.f32, quantization unchanged (shared/movers.h) */
#include "../shared/movers.h"

SELRT_DEPTH2SPACE(depth_to_space, i8, int8_t, SELRT_I8);
