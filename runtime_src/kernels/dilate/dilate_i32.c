/* dilate.i32: the input spread out by the dilations, holes the padding value (shared/dilate.h) */
#include "../shared/dilate.h"

SELRT_DILATE(dilate, i32, int32_t, SELRT_I32);
