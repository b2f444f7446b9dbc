/* reverse_v2.bool: a strided view with negative strides along the reversed axes (shared/movers.h) */
#include "../shared/movers.h"

SELRT_VIEW(reverse_v2, bool, uint8_t, SELRT_BOOL);
