/* quantize.i16i8: QUANTIZE from int16 to int8 (a requantize: new scale and zero
 * point), TFLite's reference Requantize; see SELRT_REQUANTIZE in shared/qi8.h. */
#include "../shared/elementwise.h"
#include "../shared/qi8.h"

SELRT_REQUANTIZE(quantize, i16i8, int16_t, SELRT_I16, -32768, 32767, int8_t, SELRT_I8, -128, 127);
