/* mirror_pad.i8: REFLECT or SYMMETRIC padding of an int8 tensor (copies only, quantization unchanged; shared/movers.h) */
#include "../shared/movers.h"

SELRT_MIRROR(mirror_pad, i8, int8_t, SELRT_I8);
