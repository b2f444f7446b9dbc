/* dilate.i8: the input spread out by the dilations, holes the padding value (shared/dilate.h) */
#include "../shared/dilate.h"

SELRT_DILATE(dilate, i8, int8_t, SELRT_I8);
