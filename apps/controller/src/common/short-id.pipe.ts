import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Ids of tokens: 8-32 letters or digits, kept lower case (as they are stored) whatever the case given. */
@Injectable()
export class ShortIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const id = value.toLowerCase();
    if (!/^[a-z0-9]{8,32}$/.test(id))
      throw new BadRequestException('id must be 8-32 letters or digits');
    return id;
  }
}
