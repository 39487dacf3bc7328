package io.qpeft.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses {@code skip} / {@code fail} in any case. */
final class OnErrorConverter implements ITypeConverter<OnError> {
  @Override
  public OnError convert(String value) {
    try {
      return OnError.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("'" + value + "' is not one of: skip, fail");
    }
  }
}
