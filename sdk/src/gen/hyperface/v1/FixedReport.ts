// Original file: proto/hyperface/v1/packing.proto


export interface FixedReport {
  'rows'?: (number);
  /**
   * Smallest angle between a returned identity and a fixed row, degrees.
   */
  'minAngleDeg'?: (number | string);
  /**
   * Mean over returned identities of the angle to the nearest fixed row, degrees.
   */
  'meanNearestAngleDeg'?: (number | string);
  /**
   * exclusion: the angle required (given, or the default).
   */
  'requiredMinAngleDeg'?: (number | string);
  /**
   * exclusion: how the required angle was obtained.
   */
  'angleSource'?: (string);
}

export interface FixedReport__Output {
  'rows': (number);
  /**
   * Smallest angle between a returned identity and a fixed row, degrees.
   */
  'minAngleDeg': (number);
  /**
   * Mean over returned identities of the angle to the nearest fixed row, degrees.
   */
  'meanNearestAngleDeg': (number);
  /**
   * exclusion: the angle required (given, or the default).
   */
  'requiredMinAngleDeg': (number);
  /**
   * exclusion: how the required angle was obtained.
   */
  'angleSource': (string);
}
