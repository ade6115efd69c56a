import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Min,
  ValidateNested,
} from 'class-validator';

export class OpenAdrPeriodDto {
  @IsOptional() @IsString() @Length(1, 64) start?: string;
  @IsOptional() @IsString() @Length(1, 64) duration?: string;
}

export class OpenAdrPayloadDto {
  @IsString() @Length(1, 64) type: string;
  @IsArray() @ArrayMaxSize(100) values: unknown[];
}

export class OpenAdrIntervalDto {
  @IsInt() @Min(0) id: number;
  @IsOptional() @ValidateNested() @Type(() => OpenAdrPeriodDto) intervalPeriod?: OpenAdrPeriodDto;
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => OpenAdrPayloadDto)
  payloads: OpenAdrPayloadDto[];
}

/** The fields of an OpenADR 3 EVENT that Westwind reads; the VTN's other fields are allowed and ignored. */
export class OpenAdrEventDto {
  @IsOptional() @IsString() @Length(1, 128) id?: string;
  @IsString() @Length(1, 128) programID: string;
  @IsOptional() @IsString() @Length(1, 128) eventName?: string;
  @IsOptional() @ValidateNested() @Type(() => OpenAdrPeriodDto) intervalPeriod?: OpenAdrPeriodDto;
  @IsArray()
  @ArrayMaxSize(10_000)
  @ValidateNested({ each: true })
  @Type(() => OpenAdrIntervalDto)
  intervals: OpenAdrIntervalDto[];
}

export const OPENADR_OBJECT_TYPES = ['PROGRAM', 'REPORT', 'EVENT', 'SUBSCRIPTION', 'VEN', 'RESOURCE'] as const;

/** An OpenADR 3 notification from a VTN. */
export class OpenAdrNotificationDto {
  /** The object types of OpenADR 3.0/3.1; only EVENT affects scheduling, the others are acknowledged and ignored. */
  @IsIn(OPENADR_OBJECT_TYPES) objectType: (typeof OPENADR_OBJECT_TYPES)[number];
  @IsIn(['POST', 'PUT', 'DELETE']) operation: 'POST' | 'PUT' | 'DELETE';
  @IsObject() object: Record<string, unknown>;
}
