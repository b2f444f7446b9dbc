/* quantize.i8u8: QUANTIZE from int8 to uint8 (a requantize: new scale and zero
 * point), TFLite's reference Requantize; see SELRT_REQUANTIZE in shared/qi8.h. */
#include "../shared/elementwise.h"
#include "../shared/qi8.h"

SELRT_REQUANTIZE(quantize, i8u8, int8_t, SELRT_I8, -128, 127, uint8_t, SELRT_U8, 0, 255);
