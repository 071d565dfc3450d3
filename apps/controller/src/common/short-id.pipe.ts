import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Ids of tokens: 8-32 lowercase alphanumerics. */
@Injectable()
export class ShortIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[a-z0-9]{8,32}$/.test(value))
      throw new BadRequestException('id must be 8-32 lowercase letters or digits');
    return value;
  }
}
