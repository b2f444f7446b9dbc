/* quantize.u8i8: QUANTIZE from uint8 to int8 (a requantize: new scale and zero
 * point), TFLite's reference Requantize; see SELRT_REQUANTIZE in shared/qi8.h. */
#include "../shared/elementwise.h"
#include "../shared/qi8.h"

SELRT_REQUANTIZE(quantize, u8i8, uint8_t, SELRT_U8, 0, 255, int8_t, SELRT_I8, -128, 127);
