/* quantize.i8i8: QUANTIZE from int8 to int8 (a requantize: new scale and zero
 * point), TFLite's reference Requantize; see SELRT_REQUANTIZE in shared/qi8.h. */
#include "../shared/elementwise.h"
#include "../shared/qi8.h"

SELRT_REQUANTIZE(quantize, i8i8, int8_t, SELRT_I8, -128, 127, int8_t, SELRT_I8, -128, 127);
