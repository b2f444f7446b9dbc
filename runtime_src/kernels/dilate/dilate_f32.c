/* dilate.f32: the input spread out by the dilations, holes the padding value (shared/dilate.h) */
#include "../shared/dilate.h"

SELRT_DILATE(dilate, f32, float, SELRT_F32);
