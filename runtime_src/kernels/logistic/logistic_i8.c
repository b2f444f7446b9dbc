/* logistic.i8: an int8 -> int8 table lookup. The converter tabulates all 256
 * inputs exactly as TFLite's reference kernel does (float logistic of the
 * dequantized value, requantized), so the device does one load per element. */
#include "../shared/elementwise.h"
#include "../shared/qi8.h"

SELRT_LUT_I8(logistic);
